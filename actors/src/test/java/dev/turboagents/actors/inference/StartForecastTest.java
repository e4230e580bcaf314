package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The estimated start of a waiting request, counting the work of higher classes that overtakes it,
 * against a plain simulation of one model serving a steady stream of higher-class requests.
 */
class StartForecastTest {
  private static final long SECOND = 1_000_000_000L;

  /**
   * When a request with {@code base} seconds of work before it starts, on one model, while requests
   * of a higher class arrive every {@code gap} seconds needing {@code service} seconds each and go
   * before it as long as they arrive within {@code until} seconds.
   */
  private static double simulated(double base, double gap, double service, double until) {
    double busyUntil = base;
    double nextArrival = gap;
    while (nextArrival <= busyUntil && nextArrival < until) {
      busyUntil += service;
      nextArrival += gap;
    }
    return busyUntil;
  }

  @Test
  void nothingAboveStartsAfterTheWorkAhead() {
    assertEquals(20 * SECOND, StartForecast.start(20 * SECOND, List.of()));
  }

  @Test
  void aSteadyStreamAboveStretchesTheWaitAsTheSimulationDoes() {
    // half the model's time goes to the class above: the wait doubles
    long forecast = StartForecast.start(20 * SECOND, List.of(new StartForecast.Overtaker(0.5, 600 * SECOND)));
    double sim = simulated(20, 0.2, 0.1, 600);
    assertEquals(sim, forecast / 1e9, 1.0, "forecast " + forecast / 1e9 + " s, simulated " + sim + " s");
    assertEquals(40.0, forecast / 1e9, 0.001);
  }

  @Test
  void moreWorkAboveThanTheModelCanDoStopsWhenAgingRanksTheRequestWithIt() {
    // 1.5 s of work per second above it, for 60 s more: it starts once the 60 s of arrivals are served
    long forecast = StartForecast.start(20 * SECOND, List.of(new StartForecast.Overtaker(1.5, 60 * SECOND)));
    double sim = simulated(20, 0.2, 0.3, 60);
    assertEquals(sim, forecast / 1e9, 1.0, "forecast " + forecast / 1e9 + " s, simulated " + sim + " s");
  }

  @Test
  void twoClassesAboveThatStopOvertakingAtDifferentTimes() {
    // interactive (0.3) overtakes for 100 s, agent (0.4) for 30 s
    long forecast = StartForecast.start(10 * SECOND, List.of(new StartForecast.Overtaker(0.3, 100 * SECOND),
        new StartForecast.Overtaker(0.4, 30 * SECOND)));
    // past 30 s only the interactive stream adds: W = 10 + 0.4 * 30 + 0.3 W
    assertEquals((10 + 12) / 0.7, forecast / 1e9, 0.001);
  }

  @Test
  void theDemandOfAClassIsItsArrivalRateTimesItsServiceTime() {
    ClassDemand demand = new ClassDemand(100 * SECOND);
    for (int t = 0; t < 200; t++) {
      demand.arrived(Priority.INTERACTIVE, t * SECOND);
      if (t % 4 == 0) {
        demand.arrived(Priority.AGENT, t * SECOND);
      }
    }
    demand.served(Priority.INTERACTIVE, SECOND / 2);
    assertEquals(0.5, demand.load(Priority.INTERACTIVE, 200 * SECOND, OptionalLong.empty()), 0.02);
    // never served: costed at the fallback service time
    assertEquals(0.25 * 2, demand.load(Priority.AGENT, 200 * SECOND, OptionalLong.of(2 * SECOND)), 0.02);
    assertEquals(0.0, demand.load(Priority.BACKGROUND, 200 * SECOND, OptionalLong.of(2 * SECOND)));
    // the window forgets: 400 s later nothing has arrived for a while
    assertEquals(0.0, demand.load(Priority.INTERACTIVE, 400 * SECOND, OptionalLong.empty()));
  }

  @Test
  void theFirstArrivalsAreSpreadOverATenthOfTheWindowNotReadAsAFlood() {
    ClassDemand demand = new ClassDemand(100 * SECOND);
    demand.arrived(Priority.INTERACTIVE, 0);
    demand.served(Priority.INTERACTIVE, SECOND);
    // one arrival 10 ms ago is one per 10 s (a tenth of the window), not 100 per second
    assertEquals(0.1, demand.load(Priority.INTERACTIVE, SECOND / 100, OptionalLong.empty()), 1e-9);
  }

  @Test
  void theTrafficIsExpectedToGoOnAboutAsLongAsItHasBeenSeen() {
    ClassDemand demand = new ClassDemand(100 * SECOND);
    assertEquals(0, demand.observedNanos(5 * SECOND));
    demand.arrived(Priority.AGENT, 10 * SECOND);
    demand.arrived(Priority.INTERACTIVE, 30 * SECOND);
    assertEquals(40 * SECOND, demand.observedNanos(50 * SECOND));
    // the agent arrival leaves the window: the traffic seen starts with the interactive one
    assertEquals(90 * SECOND, demand.observedNanos(120 * SECOND));
  }
}
