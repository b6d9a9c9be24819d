package io.hindsight.djl;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * Access to DJL's PyTorch (libtorch CPU) engine, the one engine {@link DjlModel} runs on, and to
 * the process-wide libtorch settings that matter for a fair comparison with our engine: the
 * intra-op thread count and the thread-local autograd mode.
 *
 * <p>DJL reads {@code ai.djl.pytorch.num_threads} / {@code ai.djl.pytorch.num_interop_threads}
 * only when the engine starts; {@link #engine(int)} sets them if the engine has not started yet
 * and, in any case, sets the intra-op thread count directly (libtorch allows changing it at any
 * time, unlike the inter-op count).
 */
public final class TorchRuntime {
  /** DJL's name of the PyTorch engine. */
  public static final String ENGINE_NAME = "PyTorch";

  private static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
  private static final String NUM_INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

  private static Engine engine;

  private TorchRuntime() {}

  /** The PyTorch engine with libtorch's default threading (or whatever was configured before). */
  public static synchronized Engine engine() {
    if (engine == null) {
      engine = Engine.getEngine(ENGINE_NAME);
    }
    return engine;
  }

  /**
   * The PyTorch engine with {@code threads} intra-op threads. If this call starts the engine and
   * the inter-op property is unset, inter-op threads are set to {@code threads} too.
   */
  public static synchronized Engine engine(int threads) {
    if (threads <= 0) {
      throw new IllegalArgumentException("libtorch threads must be positive, got " + threads);
    }
    if (engine == null) {
      System.setProperty(NUM_THREADS, Integer.toString(threads));
      if (System.getProperty(NUM_INTEROP_THREADS) == null) {
        System.setProperty(NUM_INTEROP_THREADS, Integer.toString(threads));
      }
    }
    Engine e = engine();
    JniUtils.setNumThreads(threads);
    return e;
  }

  /** libtorch's current intra-op thread count. */
  public static int intraOpThreads() {
    engine();
    return JniUtils.getNumThreads();
  }

  /** libtorch's inter-op thread count (fixed once the engine has started). */
  public static int interOpThreads() {
    engine();
    return JniUtils.getNumInteropThreads();
  }

  /** E.g. {@code PyTorch 2.7.1 (DJL, CPU), 2 intra-op / 2 inter-op threads}, for logs and provenance. */
  public static String describe() {
    Engine e = engine();
    return e.getEngineName() + " " + e.getVersion() + " (DJL, CPU), " + intraOpThreads() + " intra-op / "
        + interOpThreads() + " inter-op threads";
  }

  /**
   * Runs {@code body} with autograd recording off on the calling thread, then restores the
   * previous mode. libtorch's grad mode is thread-local and on by default on threads other than the
   * one that started the engine, so every no-grad section (optimizer updates, inference) must say so.
   */
  public static <T> T withoutGrad(Supplier<T> body) {
    engine();
    boolean previous = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return body.get();
    } finally {
      JniUtils.setGradMode(previous);
    }
  }

  /** {@link #withoutGrad(Supplier)} for a body without a result. */
  public static void runWithoutGrad(Runnable body) {
    withoutGrad(() -> {
      body.run();
      return null;
    });
  }
}
