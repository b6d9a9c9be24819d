package io.hindsight.train;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Version and git commit of this build, from the {@code git.properties} the Maven build writes. */
public final class BuildInfo {
  private static final Properties GIT = load();

  private BuildInfo() {}

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("/git.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // no build metadata: report "unknown"
    }
    return p;
  }

  public static String gitCommit() {
    String c = GIT.getProperty("git.commit.id.full", GIT.getProperty("git.commit.id", "unknown"));
    String dirty = GIT.getProperty("git.dirty", "false");
    return "true".equals(dirty) ? c + "-dirty" : c;
  }

  public static String version() {
    String v = BuildInfo.class.getPackage().getImplementationVersion();
    return v != null ? v : GIT.getProperty("git.build.version", "dev");
  }
}
