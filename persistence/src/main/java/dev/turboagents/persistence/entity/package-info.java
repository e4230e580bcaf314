/**
 * What every event-sourced tracker entity shares and what its readers share with it: the base
 * class ({@link dev.turboagents.persistence.entity.TrackerEntity}), the text rules, the rejection
 * type, the change listener and the journal with its tags. It depends on no other tracker package,
 * so {@code issues} and {@code projects} use it without knowing {@code tracker}, which uses them.
 */
package dev.turboagents.persistence.entity;
