package dev.turboagents.actors.tools.workspace;

/**
 * A review target resolved to commits, at the moment the review was asked for: it stays the same
 * however the branch moves afterwards (a resumed review reviews the same commits).
 *
 * @param base the commit the changes are diffed against (the merge base)
 * @param tip the newest commit under review
 */
public record ReviewRange(String label, String base, String tip) {}
