package io.hindsight.device.sim;

import io.hindsight.device.ArgType;
import io.hindsight.device.Device;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceCounters;
import io.hindsight.device.DeviceException;
import io.hindsight.device.KernelArgs;
import io.hindsight.device.KernelLaunch;
import io.hindsight.device.KernelSignature;
import io.hindsight.device.KernelSignatures;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A {@link Device} whose memory is host memory and whose kernels run as their Java references
 * ({@link KernelReferences}), one launch at a time in launch order. It checks what a GPU would
 * not tell clearly:
 * <ul>
 *   <li>fresh allocations are poisoned with 0xFF bytes (NaN floats, -1 ints), so reading memory
 *       nobody wrote shows up as NaN instead of a lucky zero;
 *   <li>a freed buffer used by a launch or a copy, a launch whose arguments do not match the
 *       kernel's declared signature (names and types), a kernel touching memory outside its
 *       argument's buffer or writing through a {@code const} parameter, a copy beyond a buffer:
 *       each is a {@link DeviceException} naming the buffer, the argument and the launch;
 *   <li>{@link #close()} with memory still allocated is an error that lists every leaked buffer.
 * </ul>
 * Every launch's reads and writes are counted per argument; listeners receive a
 * {@link LaunchRecord} of each launch (the write log). Multiprocessors and compute capability are
 * those of an H100 (132, 9), so grids are sized as on one. Thread-safe (calls are serialised).
 */
public final class SoftwareDevice implements Device {
  /** The streaming multiprocessors the software device reports (an H100 SXM's). */
  public static final int MULTIPROCESSORS = 132;

  private final Map<String, KernelReference> overrides;
  private final Map<Long, SimMemory> live = new LinkedHashMap<>();
  private final List<Consumer<LaunchRecord>> listeners = new CopyOnWriteArrayList<>();
  private long nextId = 1;
  private long h2d;
  private long d2h;
  private long d2d;
  private long launches;
  private long liveBytes;
  private long peakBytes;
  private long allocations;
  private boolean closed;

  /** A software device running every kernel as its reference ({@link KernelReferences}). */
  public SoftwareDevice() {
    this(Map.of());
  }

  /**
   * A software device on which the given kernels run other code than their references: fault
   * injection for tests of tools that compare devices (a kernel that computes something else
   * must be caught by them).
   */
  public SoftwareDevice(Map<String, KernelReference> overrides) {
    this.overrides = Map.copyOf(overrides);
  }

  @Override
  public String kind() {
    return "software";
  }

  @Override
  public String name() {
    return "software device (each kernel runs as its Java reference; " + MULTIPROCESSORS + " multiprocessors as an H100)";
  }

  @Override
  public int multiprocessors() {
    return MULTIPROCESSORS;
  }

  @Override
  public int computeCapabilityMajor() {
    return 9;
  }

  /** Receives a {@link LaunchRecord} after every launch. */
  public void addLaunchListener(Consumer<LaunchRecord> listener) {
    listeners.add(listener);
  }

  public void removeLaunchListener(Consumer<LaunchRecord> listener) {
    listeners.remove(listener);
  }

  private void open(String what) {
    if (closed) {
      throw new DeviceException(what + ": the software device is closed");
    }
  }

  @Override
  public synchronized DeviceBuffer allocate(long bytes, String label) {
    open("allocate " + label);
    if (bytes < 0) {
      throw new IllegalArgumentException("negative allocation of " + bytes + " bytes for " + label);
    }
    long n = Math.max(bytes, 4);
    SimMemory m = new SimMemory(nextId++, label, n);
    live.put(m.id, m);
    liveBytes += n;
    peakBytes = Math.max(peakBytes, liveBytes);
    allocations++;
    return new DeviceBuffer(this, m.id, label, n, m);
  }

  @Override
  public synchronized void free(DeviceBuffer allocation) {
    if (!allocation.isAllocation()) {
      throw new DeviceException("free of a slice of '" + allocation.label() + "': only allocations are freed");
    }
    allocation.requireLive("free");
    SimMemory m = memory(allocation);
    allocation.markFreed();
    live.remove(m.id);
    liveBytes -= m.bytes;
    m.data = null;
  }

  private SimMemory memory(DeviceBuffer b) {
    if (b.device() != this || !(b.handle() instanceof SimMemory m)) {
      throw new DeviceException("device buffer '" + b.label() + "' belongs to another device");
    }
    return m;
  }

  private ByteBuffer region(DeviceBuffer b, long offset, long bytes, String use) {
    b.requireLive(use);
    if (offset < 0 || bytes < 0 || offset + bytes > b.bytes()) {
      throw new DeviceException(use + ": " + bytes + " bytes at offset " + offset + " do not fit device buffer "
          + b.describe());
    }
    SimMemory m = memory(b);
    ByteBuffer d = m.data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int start = (int) (b.alignmentOffset() + offset);
    d.position(start).limit(start + (int) bytes);
    return d.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public synchronized void copyIn(DeviceBuffer dst, long dstOffset, Buffer src) {
    open("copy to '" + dst.label() + "'");
    long n = Device.hostBytes(src);
    ByteBuffer d = region(dst, dstOffset, n, "copy of " + n + " bytes from the host");
    Buffer s = src.duplicate();
    if (s instanceof FloatBuffer f) {
      d.asFloatBuffer().put(f);
    } else if (s instanceof IntBuffer i) {
      d.asIntBuffer().put(i);
    } else if (s instanceof ByteBuffer by) {
      d.put(by);
    } else if (s instanceof ShortBuffer sh) {
      d.asShortBuffer().put(sh);
    } else if (s instanceof DoubleBuffer db) {
      d.asDoubleBuffer().put(db);
    } else if (s instanceof LongBuffer lb) {
      d.asLongBuffer().put(lb);
    }
    h2d += n;
  }

  @Override
  public synchronized void copyOut(DeviceBuffer src, long srcOffset, Buffer dst) {
    open("copy from '" + src.label() + "'");
    long n = Device.hostBytes(dst);
    ByteBuffer s = region(src, srcOffset, n, "copy of " + n + " bytes to the host");
    Buffer d = dst.duplicate();
    if (d instanceof FloatBuffer f) {
      f.put(s.asFloatBuffer());
    } else if (d instanceof IntBuffer i) {
      i.put(s.asIntBuffer());
    } else if (d instanceof ByteBuffer by) {
      by.put(s);
    } else if (d instanceof ShortBuffer sh) {
      sh.put(s.asShortBuffer());
    } else if (d instanceof DoubleBuffer db) {
      db.put(s.asDoubleBuffer());
    } else if (d instanceof LongBuffer lb) {
      lb.put(s.asLongBuffer());
    }
    d2h += n;
  }

  @Override
  public synchronized void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) {
    open("device copy");
    ByteBuffer s = region(src, srcOffset, bytes, "device-to-device copy from");
    ByteBuffer d = region(dst, dstOffset, bytes, "device-to-device copy to");
    d.put(s);
    d2d += bytes;
  }

  @Override
  public synchronized void launch(KernelLaunch launch) {
    String where = "launch #" + launches + " of " + launch.kernel();
    open(where);
    KernelSignature sig = KernelSignatures.of(launch.kernel());
    sig.check(launch.args());
    KernelReference ref = overrides.getOrDefault(launch.kernel(), KernelReferences.of(launch.kernel()));
    Map<String, View> views = new HashMap<>();
    List<String> names = new ArrayList<>();
    List<DeviceBuffer> buffers = new ArrayList<>();
    for (int i = 0; i < launch.args().size(); i++) {
      KernelArgs.Arg a = launch.args().get(i);
      if (a.type() != ArgType.POINTER) {
        continue;
      }
      DeviceBuffer b = (DeviceBuffer) a.value();
      if (b == null) {
        views.put(a.name(), null);
        continue;
      }
      b.requireLive(where + ", argument '" + a.name() + "'");
      SimMemory m = memory(b);
      String what = where + ", argument '" + a.name() + "' (device buffer " + b.describe() + ")";
      views.put(a.name(), new View(m.data, b.alignmentOffset(), b.bytes(), sig.params().get(i).readOnly(), what));
      names.add(a.name());
      buffers.add(b);
    }
    try {
      ref.run(new SimLaunch(launch, views));
    } catch (SimAccessException e) {
      throw new DeviceException(e.getMessage(), e);
    }
    long index = launches++;
    if (!listeners.isEmpty()) {
      List<LaunchRecord.Access> acc = new ArrayList<>(names.size());
      for (int i = 0; i < names.size(); i++) {
        View v = views.get(names.get(i));
        DeviceBuffer b = buffers.get(i);
        acc.add(new LaunchRecord.Access(names.get(i), b.label(), b.id(), v.bytesRead, v.bytesWritten,
            v.float32BytesWritten));
      }
      Map<String, Object> scalars = new LinkedHashMap<>();
      for (KernelArgs.Arg a : launch.args().list()) {
        if (a.type() != ArgType.POINTER) {
          scalars.put(a.name(), a.value());
        }
      }
      LaunchRecord r = new LaunchRecord(index, launch.kernel(), List.copyOf(acc), Collections.unmodifiableMap(scalars));
      for (Consumer<LaunchRecord> l : listeners) {
        l.accept(r);
      }
    }
  }

  @Override
  public void synchronize() {
    open("synchronize");
  }

  @Override
  public synchronized DeviceCounters counters() {
    return new DeviceCounters(h2d, d2h, d2d, launches, liveBytes, peakBytes, allocations);
  }

  @Override
  public synchronized void resetPeak() {
    peakBytes = liveBytes;
  }

  /** The labels and sizes of the allocations not yet freed. */
  public synchronized List<String> liveAllocations() {
    List<String> out = new ArrayList<>();
    for (SimMemory m : live.values()) {
      out.add("'" + m.label + "' (" + m.bytes + " bytes)");
    }
    return out;
  }

  /**
   * Closes the device.
   *
   * @throws DeviceException listing every allocation that was never freed (a leak)
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!live.isEmpty()) {
      long bytes = liveBytes;
      List<String> leaked = liveAllocations();
      live.clear();
      throw new DeviceException("software device closed with " + leaked.size() + " buffers (" + bytes
          + " bytes) never freed: " + String.join(", ", leaked.subList(0, Math.min(20, leaked.size())))
          + (leaked.size() > 20 ? ", ..." : ""));
    }
  }
}
