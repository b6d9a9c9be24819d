package io.hindsight.service.api;

import io.hindsight.service.config.HindsightProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Caps non-multipart request bodies under {@code /api} (job specs) at
 * {@code hindsight.limits.max-spec-bytes}: a declared length over the cap, or a chunked body that
 * grows past it, is answered 413 before anything parses it. Uploads are capped by the multipart
 * limits instead.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class BodyLimitFilter extends OncePerRequestFilter {
  private final HindsightProperties props;

  public BodyLimitFilter(HindsightProperties props) {
    this.props = props;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String ct = request.getContentType();
    return !request.getRequestURI().startsWith("/api/")
        || (ct != null && ct.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/"));
  }

  @Override
  protected void doFilterInternal(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws ServletException, IOException {
    int max = props.getLimits().getMaxSpecBytes();
    long declared = req.getContentLengthLong();
    if (declared > max) {
      tooLarge(res, max);
      return;
    }
    if (declared >= 0 && req.getHeader("Transfer-Encoding") == null) {
      chain.doFilter(req, res);
      return;
    }
    byte[] body = req.getInputStream().readNBytes(max + 1);
    if (body.length > max) {
      tooLarge(res, max);
      return;
    }
    chain.doFilter(new CachedBody(req, body), res);
  }

  private static void tooLarge(HttpServletResponse res, int max) throws IOException {
    res.setHeader("Connection", "close");
    Problems.write(res, HttpStatus.PAYLOAD_TOO_LARGE, "Request too large",
        "the request body exceeds the limit of " + max + " bytes", null);
  }

  /** A request whose body was read (bounded) up front. */
  private static final class CachedBody extends HttpServletRequestWrapper {
    private final byte[] body;

    CachedBody(HttpServletRequest req, byte[] body) {
      super(req);
      this.body = body;
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }

    @Override
    public ServletInputStream getInputStream() {
      ByteArrayInputStream in = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public int read() {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
          return in.read(b, off, len);
        }

        @Override
        public boolean isFinished() {
          return in.available() == 0;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("synchronous body");
        }
      };
    }

    @Override
    public BufferedReader getReader() {
      return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
    }
  }
}
