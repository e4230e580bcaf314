package dev.turboagents.actors.inference;

import java.util.Comparator;
import java.util.List;

/**
 * When a waiting request will start, counting the work that will overtake it. A request of class
 * c that arrives after it (class k, c above k) is served first only while it has waited less than
 * (k - c) aging steps: after that aging ranks it with c, and it is the older. With rho_c the model
 * time per second class c brings (over the concurrency) and T_c the time left until that point, the
 * start W solves {@code W = base + sum_c rho_c * min(W, T_c)}: piecewise linear in W, solved
 * segment by segment (it has a solution even when the classes above bring more work than the
 * model can do, since every T_c is finite).
 */
final class StartForecast {
  private StartForecast() {}

  /** A class above the request: the model time per second it brings, and how long it can still go first. */
  record Overtaker(double rho, long untilNanos) {}

  /** The start, in nanoseconds from now, of a request with {@code baseNanos} of work known to be before it. */
  static long start(long baseNanos, List<Overtaker> above) {
    List<Overtaker> byUntil = above.stream().filter(o -> o.rho() > 0 && o.untilNanos() > 0)
        .sorted(Comparator.comparingLong(Overtaker::untilNanos)).toList();
    double fixed = baseNanos;
    double slope = byUntil.stream().mapToDouble(Overtaker::rho).sum();
    for (Overtaker o : byUntil) {
      if (slope < 1) {
        double start = fixed / (1 - slope);
        if (start <= o.untilNanos()) {
          return Math.round(start);
        }
      }
      fixed += o.rho() * o.untilNanos();
      slope -= o.rho();
    }
    return Math.round(fixed);
  }
}
