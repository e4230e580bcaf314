package dev.turboagents.actors.inference;

import dev.turboagents.config.InferenceSettings;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/** The memory all resident models may use: configured, or physical memory times the usable fraction. */
public record MemoryBudget(long bytes, String source) {

  public static MemoryBudget resolve(InferenceSettings settings) {
    if (settings.memoryBudget().isPresent()) {
      return new MemoryBudget(settings.memoryBudget().get(), "turbo-agents.inference.memory-budget");
    }
    long physical = physicalMemory();
    long bytes = (long) (physical * settings.usableMemoryFraction());
    boolean mac = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac");
    return new MemoryBudget(bytes, (mac ? "unified memory " : "physical memory (set memory-budget to the GPU's VRAM) ")
        + ResidencyPlanner.gib(physical) + " x " + settings.usableMemoryFraction());
  }

  private static long physicalMemory() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory();
  }
}
