package dev.turboagents.actors.agents;

import dev.turboagents.actors.agents.calling.ToolCallingMode;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.TurnKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The messages a job's next model turn sees, rebuilt from its persisted steps (so a resumed job sees
 * what it saw before): the system prompt, the task, the newest condensation summary in place of the
 * turns it covers, then every later answer with its correction or its tool's observation. Tool
 * output is put between data fences.
 */
public record Conversation(ChatMessage system, ChatMessage task, Optional<ChatMessage> summary,
    List<Exchange> exchanges) {

  /** One model turn and what followed it; {@code step} is the turn's number. */
  public record Exchange(int step, List<ChatMessage> messages, String digest) {}

  /** 4 characters per token: the estimate the graph's RAG budget uses too. */
  public static int tokens(String text) {
    return (text.length() + 3) / 4;
  }

  public static Conversation of(String system, String task, Job job, ToolCallingMode mode, PromptTemplates prompts) {
    Optional<JobEntity.Condensed> condensed = job.lastCondensation();
    int covered = condensed.map(JobEntity.Condensed::throughStep).orElse(0);
    List<Exchange> exchanges = new ArrayList<>();
    List<ChatMessage> current = new ArrayList<>();
    StringBuilder digest = new StringBuilder();
    int step = 0;
    for (JobEntity.Step s : job.steps()) {
      switch (s) {
        case JobEntity.ModelTurned t -> {
          if (step > covered) {
            exchanges.add(new Exchange(step, List.copyOf(current), digest.toString()));
          }
          step = t.step();
          current = new ArrayList<>();
          digest = new StringBuilder("turn " + t.step() + ": ");
          current.add(ChatMessage.of("assistant", t.answer()));
          if (t.kind() == TurnKind.INVALID) {
            current.add(ChatMessage.of("user", t.correction().orElse("That answer could not be used.")));
            digest.append("an invalid answer (").append(t.correction().orElse("").lines().findFirst().orElse(""))
                .append(")");
          } else if (t.kind() == TurnKind.FINAL) {
            digest.append("final answer");
          }
        }
        case JobEntity.ToolCalled c -> {
          current.add(observation(c, mode));
          String result = c.result().strip().replace('\n', ' ');
          digest.append("called ").append(c.tool()).append(' ').append(c.arguments()).append(" -> ")
              .append(c.outcome()).append(": ").append(result, 0, Math.min(160, result.length()));
        }
        default -> { }
      }
    }
    if (step > covered) {
      exchanges.add(new Exchange(step, List.copyOf(current), digest.toString()));
    }
    Optional<ChatMessage> summary = condensed.map(c -> ChatMessage.of("user",
        prompts.render("condensed", Map.of("summary", PromptTemplates.data(c.summary())))));
    return new Conversation(ChatMessage.of("system", system), ChatMessage.of("user", task), summary, exchanges);
  }

  static ChatMessage observation(JobEntity.ToolCalled c, ToolCallingMode mode) {
    String text = "Result of " + c.tool() + " (" + c.outcome() + "):\n<<<data\n" + PromptTemplates.data(c.result())
        + "\ndata>>>";
    return mode == ToolCallingMode.NATIVE_TOOLS
        ? new ChatMessage("tool", text, List.of(), List.of(), Optional.empty(), Optional.of(c.tool()))
        : ChatMessage.of("user", text);
  }

  public List<ChatMessage> messages() {
    List<ChatMessage> all = new ArrayList<>(List.of(system, task));
    summary.ifPresent(all::add);
    exchanges.forEach(e -> all.addAll(e.messages()));
    return all;
  }

  public int estimatedTokens() {
    return messages().stream().mapToInt(m -> tokens(m.content()) + 4).sum();
  }

  /**
   * Where to condense so the conversation leaves {@code reserve} tokens of {@code window}: the
   * newest turn a summary must cover (keeping the newest exchange whole), or empty when it fits.
   */
  public Optional<Integer> condenseThrough(int window, int reserve) {
    int over = estimatedTokens() - (window - reserve);
    if (over <= 0) {
      return Optional.empty();
    }
    int freed = 0;
    for (int i = 0; i < exchanges.size() - 1; i++) {
      Exchange e = exchanges.get(i);
      freed += e.messages().stream().mapToInt(m -> tokens(m.content()) + 4).sum() - tokens(e.digest());
      if (freed >= over) {
        return Optional.of(e.step());
      }
    }
    return exchanges.size() > 1 ? Optional.of(exchanges.get(exchanges.size() - 2).step()) : Optional.empty();
  }

  /** The summary of the turns up to {@code throughStep}: the older summary, then one line per turn. */
  public String summaryThrough(int throughStep, Optional<String> older) {
    StringBuilder text = new StringBuilder(older.map(s -> s + "\n").orElse(""));
    exchanges.stream().filter(e -> e.step() <= throughStep).forEach(e -> text.append(e.digest()).append('\n'));
    return text.toString().strip();
  }
}
