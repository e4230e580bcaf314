package dev.turboagents.persistence.graph.code;

/** What the code index holds now: its files and chunks, whatever runs made them. */
public record CodeIndexTotals(long files, long chunks) {}
