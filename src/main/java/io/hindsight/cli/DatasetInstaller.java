package io.hindsight.cli;

import io.hindsight.data.DatasetLoader;
import io.hindsight.spec.ResolvedSpec;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Makes sure a job's dataset is on this machine before the command line trains on it. Only
 * Fashion-MNIST comes from a package (Debian's {@code dataset-fashion-mnist}, installed under
 * {@code /usr/share/datasets}): as root on a system with {@code apt-get} it is installed, otherwise
 * the exact command is printed and the run goes on to fail with the loader's message. Jobs that name
 * {@code dataset.path}, and every other dataset, are left to the loader.
 */
final class DatasetInstaller {
  /** The Debian package that holds Fashion-MNIST. */
  static final String PACKAGE = "dataset-fashion-mnist";
  static final String INSTALL_COMMAND = "apt-get install " + PACKAGE;

  private DatasetInstaller() {}

  /** What to do about a job's dataset. */
  enum Action {
    /** The dataset is present, or not ours to install. */
    NONE,
    /** Install the Debian package now. */
    INSTALL,
    /** Tell the user how to install it. */
    TELL
  }

  /**
   * @param found whether the dataset is in one of the loader's search directories
   * @param root whether this process runs as root
   * @param apt whether {@code apt-get} is on the PATH
   */
  static Action decide(ResolvedSpec spec, boolean found, boolean root, boolean apt) {
    if (!"fashion-mnist".equals(spec.dataset().name()) || spec.dataset().path() != null || found) {
      return Action.NONE;
    }
    return root && apt ? Action.INSTALL : Action.TELL;
  }

  /** Installs the job's dataset where {@link #decide} says so; progress and hints go to {@code err}. */
  static void ensure(ResolvedSpec spec, PrintStream err) throws IOException, InterruptedException {
    boolean found = DatasetLoader.locate(spec.dataset().name(), spec.dataset().path()).isPresent();
    Action action = decide(spec, found, isRoot(), onPath("apt-get"));
    if (action == Action.TELL) {
      err.println("hindsight: Fashion-MNIST is missing; run: sudo " + INSTALL_COMMAND);
      err.println("           (or set HINDSIGHT_DATA_DIR to a folder holding fashion-mnist/*.gz)");
    } else if (action == Action.INSTALL) {
      err.println("hindsight: installing Fashion-MNIST (Debian package " + PACKAGE + ") ...");
      int rc = run(List.of("apt-get", "update", "-qq"), err);
      if (rc == 0) {
        rc = run(List.of("apt-get", "install", "-y", "-qq", PACKAGE), err);
      }
      if (rc != 0) {
        err.println("hindsight: apt-get exited with status " + rc + "; the dataset is still missing");
      }
    }
  }

  /** Runs a command with its output (stdout and stderr) copied to {@code err}. */
  private static int run(List<String> command, PrintStream err) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    Process p = pb.start();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(err);
    }
    return p.waitFor();
  }

  /** Whether this process runs as root (the owner of {@code /proc/self} is the process's user). */
  static boolean isRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** Whether an executable named {@code program} is on the PATH. */
  static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
