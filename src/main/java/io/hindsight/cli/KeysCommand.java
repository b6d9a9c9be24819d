package io.hindsight.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hindsight keys create|list|revoke}: manages a server's API keys through its admin API
 * (with an admin key). The HTTP exchange is {@link KeysClient}'s, so these classes (which picocli
 * inspects for every command line) load without {@code java.net.http}.
 */
@Command(name = "keys", sortOptions = false, synopsisSubcommandLabel = "<action>",
    description = "Manage a server's API keys (needs an admin key): create, list, revoke.",
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  HelpOption help;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "keys needs an action: create, list or revoke");
  }

  /** {@code keys create NAME [--admin]}. */
  @Command(name = "create", sortOptions = false,
      description = "Create an API key and print it on stdout: the only time it is shown (the server keeps its hash)."
          + " Its id and name go to stderr.")
  static final class Create implements Callable<Integer> {
    private final PrintStream out;
    private final PrintStream err;

    @Parameters(index = "0", paramLabel = "NAME",
        description = "unique name: 1-64 letters, digits, '.', '_' or '-' (recorded in job histories)")
    String name;

    @Option(names = "--admin", order = 2, description = "an admin key: sees and acts on every key's work, manages keys")
    boolean admin;

    @Mixin
    ServerOptions server;

    @Mixin
    HelpOption help;

    Create(PrintStream out, PrintStream err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() throws Exception {
      return KeysClient.create(server.server(), server.apiKey(), name, admin, out, err);
    }
  }

  /** {@code keys list}. */
  @Command(name = "list", sortOptions = false,
      description = "List the server's API keys (id, name, admin, created, revoked); never the keys themselves.")
  static final class ListKeys implements Callable<Integer> {
    private final PrintStream out;
    private final PrintStream err;

    @Mixin
    ServerOptions server;

    @Mixin
    HelpOption help;

    ListKeys(PrintStream out, PrintStream err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public Integer call() throws Exception {
      return KeysClient.list(server.server(), server.apiKey(), out, err);
    }
  }

  /** {@code keys revoke ID}. */
  @Command(name = "revoke", sortOptions = false,
      description = "Revoke an API key: every replica refuses it from the next request on.")
  static final class Revoke implements Callable<Integer> {
    private final PrintStream err;

    @Parameters(index = "0", paramLabel = "ID", description = "the key's id (from keys list)")
    String id;

    @Mixin
    ServerOptions server;

    @Mixin
    HelpOption help;

    Revoke(PrintStream out, PrintStream err) {
      this.err = err;
    }

    @Override
    public Integer call() throws Exception {
      return KeysClient.revoke(server.server(), server.apiKey(), id, err);
    }
  }
}
