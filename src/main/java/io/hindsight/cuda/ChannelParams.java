package io.hindsight.cuda;

import io.hindsight.quant.math.QuantParams;

/**
 * The device layout of per-channel quantization parameters, as {@code quantize_channels} and
 * {@code quantize_weights_t} read them: channel {@code c}'s scale as float {@code scale[c]}, its zero
 * point, lowest and highest level as ints {@code levels[3c..3c+2]}.
 */
public final class ChannelParams {
  private ChannelParams() {}

  /** Writes channel {@code channel} of {@code p} at entry {@code at} of {@code scales} and {@code levels}. */
  public static void put(QuantParams p, int channel, float[] scales, int[] levels, int at) {
    scales[at] = p.scale(channel);
    putLevels(p, channel, levels, at);
  }

  private static void putLevels(QuantParams p, int channel, int[] levels, int at) {
    levels[3 * at] = p.zeroPoint(channel);
    levels[3 * at + 1] = p.lo(channel);
    levels[3 * at + 2] = p.hi(channel);
  }

  /** Every channel's scale ({@code p.channels()} floats). */
  public static float[] scales(QuantParams p) {
    float[] s = new float[p.channels()];
    for (int c = 0; c < s.length; c++) {
      s[c] = p.scale(c);
    }
    return s;
  }

  /** Every channel's (zero point, lo, hi) ({@code 3 p.channels()} ints). */
  public static int[] levels(QuantParams p) {
    int[] l = new int[3 * p.channels()];
    for (int c = 0; c < p.channels(); c++) {
      putLevels(p, c, l, c);
    }
    return l;
  }
}
