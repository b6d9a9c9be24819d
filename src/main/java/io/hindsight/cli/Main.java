package io.hindsight.cli;

import io.hindsight.spec.SpecException;
import io.hindsight.train.NumericalInstabilityException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code ./hindsight} launcher's entry point: the command tree of {@link HindsightCommand},
 * parsed by picocli, which also generates each command's {@code --help} and the shell completion.
 * Exit status: 0 success, 1 the job failed (e.g. numerical instability) or an error, 2 bad usage or
 * an invalid spec.
 */
public final class Main {
  /** Exit status of a bad command line or an invalid spec. */
  static final int USAGE = 2;
  /** Exit status of a failed job or an unexpected error. */
  static final int FAILED = 1;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    return commandLine(out, err).execute(args);
  }

  /** The whole command tree, printing to {@code out} and {@code err}. */
  static CommandLine commandLine(PrintStream out, PrintStream err) {
    CommandLine cl = new CommandLine(new HindsightCommand(out, err), new StreamsFactory(out, err));
    for (String name : new String[] {"train", "compare"}) {
      SpecFlag.addTo(cl.getSubcommands().get(name).getCommandSpec());
    }
    exitCodes(cl);
    Converters.register(cl);
    cl.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    cl.setOverwrittenOptionsAllowed(true); // as before: a repeated flag's last value wins
    cl.setParameterExceptionHandler(Main::badUsage);
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> failed(e, cmd.getErr()));
    return cl;
  }

  /** The "Exit status" section of the help of a command and its subcommands. */
  private static void exitCodes(CommandLine cmd) {
    cmd.getSubcommands().values().forEach(Main::exitCodes);
    Map<String, String> codes = new LinkedHashMap<>();
    switch (cmd.getCommandName()) {
      case "hindsight", "train", "compare" -> {
        codes.put("0", "success");
        codes.put("1", "the job failed (e.g. the loss stayed NaN/Inf past training.nonFinitePatience) or an error");
        codes.put("2", "bad usage or an invalid spec (the message names the field)");
      }
      case "submit" -> {
        codes.put("0", "submitted (with --wait: the job succeeded)");
        codes.put("1", "the job failed or was cancelled, or the server could not be reached");
        codes.put("2", "bad usage, or the server refused the job (the message names the field)");
      }
      case "keys", "create", "list", "revoke" -> {
        codes.put("0", "success");
        codes.put("1", "the server could not be reached or failed");
        codes.put("2", "bad usage, or the server refused (not an admin key, a bad or taken name, an unknown id)");
      }
      case "help" -> {
        return;
      }
      default -> {
        codes.put("0", "success");
        codes.put("1", "an error");
        codes.put("2", "bad usage");
      }
    }
    cmd.getCommandSpec().usageMessage().exitCodeListHeading("%nExit status:%n").exitCodeList(codes);
  }

  /** A command line picocli could not parse: one line naming the problem, then where help is. */
  private static int badUsage(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    if (e instanceof UnmatchedArgumentException u && cmd.getParent() == null && !u.getUnmatched().isEmpty()
        && !u.getUnmatched().get(0).startsWith("-")) {
      err.println("hindsight: unknown command '" + u.getUnmatched().get(0) + "'");
      err.print(cmd.getUsageMessage());
      return USAGE;
    }
    err.println("hindsight: " + message(e));
    UnmatchedArgumentException.printSuggestions(e, err);
    err.println("see: " + cmd.getCommandSpec().qualifiedName() + " --help");
    return USAGE;
  }

  /** The message of a bad value names the option: {@code --epochs must be a number, got 'many'}. */
  private static String message(ParameterException e) {
    if (e.getCause() instanceof TypeConversionException t && e.getArgSpec() instanceof OptionSpec o) {
      return o.longestName() + " " + t.getMessage();
    }
    return e.getMessage();
  }

  /** A command that threw: the exit status by the kind of failure, one line on stderr. */
  static int failed(Exception e, PrintWriter err) {
    if (e instanceof UsageException) {
      err.println("hindsight: " + e.getMessage());
      return USAGE;
    }
    if (e instanceof SpecException) {
      err.println("hindsight: invalid job spec: " + e.getMessage());
      return USAGE;
    }
    if (e instanceof NumericalInstabilityException) {
      err.println("hindsight: training failed: " + e.getMessage());
      return FAILED;
    }
    if (e instanceof IllegalArgumentException) {
      err.println("hindsight: " + e.getMessage());
      return USAGE;
    }
    err.println("hindsight: " + e.getClass().getSimpleName() + ": " + e.getMessage());
    return FAILED;
  }

  /** Creates commands, giving those that print a {@code (PrintStream out, PrintStream err)} constructor. */
  private record StreamsFactory(PrintStream out, PrintStream err) implements IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        Constructor<K> c = cls.getDeclaredConstructor(PrintStream.class, PrintStream.class);
        c.setAccessible(true);
        return c.newInstance(out, err);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(cls);
      }
    }
  }
}
