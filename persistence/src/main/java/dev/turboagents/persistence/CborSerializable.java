package dev.turboagents.persistence;

/** Marker for everything the journal or snapshot store keeps: bound to Jackson CBOR in reference.conf. */
public interface CborSerializable {}
