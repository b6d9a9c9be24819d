package io.hindsight.device.nn;

import io.hindsight.device.nn.DeviceQuantization.ActivationQuantizer;
import io.hindsight.nn.Layer;
import io.hindsight.quant.QuantRoutes;
import io.hindsight.quant.TensorQuantizer;
import io.hindsight.quant.config.QuantKind;
import io.hindsight.quant.traffic.Route;
import java.util.Map;

/**
 * Connects each quantized layer's activation and gradient quantizers with the kernels that produce
 * their tensors, as {@link QuantRoutes} (the one definition of the fused dataflow) says: the
 * device twin of each producing layer writes codes for the quantizer ({@link QuantProducer}), the
 * loss-gradient kernel writes the codes of the model's last layer, and the host uploads the codes of
 * the model's input. Done once per model.
 */
final class Wiring {
  private Wiring() {}

  /**
   * The quantizers no device layer produces for.
   *
   * @param loss the quantizer whose codes the loss-gradient kernel writes, or null
   * @param input the quantizer of the model's input that the host quantizes at the batch's upload
   *     ({@link Route.Feed#HOST}), or null
   */
  record Ends(ActivationQuantizer loss, ActivationQuantizer input) {}

  /**
   * @param twins each host layer's device twin
   * @throws IllegalStateException when a producing layer's twin cannot quantize (the routes and the
   *     device layers disagree: a defect)
   */
  static Ends wire(QuantRoutes routes, Map<Layer, DeviceLayer> twins, DeviceQuantization quantization) {
    ActivationQuantizer loss = null;
    ActivationQuantizer input = null;
    for (Map.Entry<TensorQuantizer, QuantRoutes.Source> e : routes.sources().entrySet()) {
      ActivationQuantizer q = quantization.activationOf(e.getKey());
      QuantRoutes.Source source = e.getValue();
      if (q == null) {
        continue; // a layer left in full precision
      }
      if (source.loss()) {
        loss = q;
        continue;
      }
      if (source.route().feed() == Route.Feed.HOST) {
        input = q;
        continue;
      }
      if (source.producer() == null) {
        continue;
      }
      DeviceLayer twin = twins.get(source.producer());
      boolean wired;
      if (!(twin instanceof QuantProducer p)) {
        wired = false;
      } else if (e.getKey().kind() == QuantKind.GRADIENT) {
        wired = p.produceGradientFor(q);
      } else {
        wired = p.produceFor(q, source.route().feed() == Route.Feed.PRODUCER_KEEPS_FLOATS);
      }
      if (!wired) {
        throw new IllegalStateException(source.producer().name() + " should write the codes of " + e.getKey().name()
            + " but its device layer cannot");
      }
    }
    return new Ends(loss, input);
  }
}
