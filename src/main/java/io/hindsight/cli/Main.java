package io.hindsight.cli;

import io.hindsight.spec.SpecException;
import io.hindsight.train.NumericalInstabilityException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code ./hindsight} launcher's entry point. Exit status: 0 success, 1 the job failed
 * (e.g. numerical instability), 2 bad usage or an invalid spec.
 */
public final class Main {
  static final String USAGE = """
      usage: hindsight <command> [options]
        train     train one job (see: hindsight train --help)
        compare   the same job in FP32 and once per range estimator, with a comparison table
        report    tables and SVG plots (accuracy curves, range evolution) of finished runs
        bench     benchmarks (see: hindsight bench --help)
        serve     run the training-job service (see: hindsight serve --help)
        submit    submit a job to a server (see: hindsight submit --help)
      """;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || "--help".equals(args[0]) || "help".equals(args[0])) {
      out.print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      return switch (args[0]) {
        case "train" -> TrainCommand.run(rest, out, err);
        case "bench" -> BenchCommand.run(rest, out, err);
        case "serve" -> ServeCommand.run(rest, out, err);
        case "submit" -> SubmitCommand.run(rest, out, err);
        case "compare" -> CompareCommand.run(rest, out, err);
        case "report" -> ReportCommand.run(rest, out, err);
        default -> {
          err.println("unknown command '" + args[0] + "'");
          err.print(USAGE);
          yield 2;
        }
      };
    } catch (Args.UsageException e) {
      err.println("hindsight: " + e.getMessage());
      return 2;
    } catch (SpecException e) {
      err.println("hindsight: invalid job spec: " + e.getMessage());
      return 2;
    } catch (NumericalInstabilityException e) {
      err.println("hindsight: training failed: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("hindsight: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println("hindsight: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return 1;
    }
  }
}
