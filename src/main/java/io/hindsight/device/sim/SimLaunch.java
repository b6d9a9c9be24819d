package io.hindsight.device.sim;

import io.hindsight.device.ArgType;
import io.hindsight.device.KernelArgs;
import io.hindsight.device.KernelLaunch;
import java.util.HashMap;
import java.util.Map;

/**
 * What a kernel reference sees of its launch: the grid and block dimensions and the arguments by
 * their declared names, pointers as {@link View}s (null for a null pointer).
 */
public final class SimLaunch {
  private final KernelLaunch launch;
  private final Map<String, Object> values = new HashMap<>();
  private final Map<String, View> views;

  SimLaunch(KernelLaunch launch, Map<String, View> views) {
    this.launch = launch;
    this.views = views;
    for (KernelArgs.Arg a : launch.args().list()) {
      if (a.type() != ArgType.POINTER) {
        values.put(a.name(), a.value());
      }
    }
  }

  public String kernel() {
    return launch.kernel();
  }

  public int gridX() {
    return launch.gridX();
  }

  public int gridY() {
    return launch.gridY();
  }

  public int gridZ() {
    return launch.gridZ();
  }

  public int blockX() {
    return launch.blockX();
  }

  public int blockY() {
    return launch.blockY();
  }

  /** Threads per block. */
  public int threadsPerBlock() {
    return launch.threadsPerBlock();
  }

  /** Threads of the whole grid (grid-stride loops step by this). */
  public long totalThreads() {
    return (long) launch.gridX() * launch.gridY() * launch.gridZ() * launch.threadsPerBlock();
  }

  private Object value(String name) {
    Object v = values.get(name);
    if (v == null) {
      throw new IllegalStateException(kernel() + "'s reference reads argument '" + name + "', which the launch lacks");
    }
    return v;
  }

  public int i32(String name) {
    return (Integer) value(name);
  }

  public boolean flag(String name) {
    return i32(name) != 0;
  }

  public long i64(String name) {
    return (Long) value(name);
  }

  public float f32(String name) {
    return (Float) value(name);
  }

  /** The pointer argument {@code name} as a view, or null for the null pointer. */
  public View view(String name) {
    if (!views.containsKey(name)) {
      throw new IllegalStateException(kernel() + "'s reference reads pointer '" + name + "', which the launch lacks");
    }
    return views.get(name);
  }
}
