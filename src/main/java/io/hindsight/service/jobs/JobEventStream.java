package io.hindsight.service.jobs;

import io.hindsight.service.api.ApiException;
import io.hindsight.service.config.HindsightProperties;
import io.hindsight.service.security.Caller;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /api/v1/jobs/{id}/events}: the job's events as server-sent events, read from the
 * database (so any replica serves any job), each with its id. A client resumes with
 * {@code Last-Event-ID}. The stream ends once the job is in a terminal status and every event
 * has been sent. A few polling threads serve all open streams; no request thread waits. When the
 * service shuts down, open streams are ended so that clients reconnect (with Last-Event-ID) to
 * another replica instead of holding up the graceful shutdown.
 */
@RestController
@RequestMapping("/api/v1/jobs")
@Tag(name = "jobs")
public class JobEventStream {
  private static final Logger LOG = LoggerFactory.getLogger(JobEventStream.class);
  private final JobService jobs;
  private final JobRepository repository;
  private final JobEvents events;
  private final HindsightProperties props;
  private final java.util.Set<SseEmitter> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService pollers = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "sse-poller");
    t.setDaemon(true);
    return t;
  });

  public JobEventStream(JobService jobs, JobRepository repository, JobEvents events, HindsightProperties props) {
    this.jobs = jobs;
    this.repository = repository;
    this.events = events;
    this.props = props;
  }

  @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  @Operation(operationId = "getJobEvents", summary = "Follow a job's events (SSE)",
      description = "Event types: status, progress, epoch, checkpoint; `data` is JSON. Resume with the"
          + " Last-Event-ID header (or lastEventId parameter). Ends when the job has ended.",
      responses = @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200",
          description = "An event stream: `id`, `event` (status | progress | epoch | checkpoint), JSON `data`",
          content = @io.swagger.v3.oas.annotations.media.Content(mediaType = "text/event-stream",
              schema = @io.swagger.v3.oas.annotations.media.Schema(type = "string"))))
  public SseEmitter stream(@PathVariable String id,
      @RequestHeader(name = "Last-Event-ID", required = false) @Parameter(description = "resume after this event")
          String lastEventIdHeader,
      @RequestParam(name = "lastEventId", required = false) String lastEventIdParam, HttpServletRequest request) {
    jobs.requireVisible(id, Caller.of(request));
    long after = parse(lastEventIdHeader != null ? lastEventIdHeader : lastEventIdParam);
    SseEmitter emitter = new SseEmitter(props.getEvents().getStreamTimeout().toMillis());
    AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
    long[] cursor = {after};
    Runnable poll = () -> {
      try {
        // read the status first: every event written before a terminal status is then visible
        JobStatus status = repository.status(id).orElse(JobStatus.CANCELLED);
        List<JobEvents.Event> batch;
        do {
          batch = events.after(id, cursor[0], 200);
          for (JobEvents.Event e : batch) {
            emitter.send(SseEmitter.event().id(Long.toString(e.id())).name(e.type())
                .data(e.data(), MediaType.APPLICATION_JSON));
            cursor[0] = e.id();
          }
        } while (batch.size() == 200);
        if (status.terminal()) {
          stop(task);
          emitter.complete();
        }
      } catch (IOException | IllegalStateException e) {
        stop(task); // the client went away
      } catch (RuntimeException e) {
        LOG.warn("event stream of job {} failed: {}", id, e.toString());
        stop(task);
        emitter.completeWithError(e);
      }
    };
    long every = props.getEvents().getPollInterval().toMillis();
    task.set(pollers.scheduleWithFixedDelay(poll, 0, every, TimeUnit.MILLISECONDS));
    open.add(emitter);
    emitter.onCompletion(() -> {
      stop(task);
      open.remove(emitter);
    });
    emitter.onTimeout(() -> stop(task));
    emitter.onError(e -> stop(task));
    return emitter;
  }

  private static void stop(AtomicReference<ScheduledFuture<?>> task) {
    ScheduledFuture<?> f = task.get();
    if (f != null) {
      f.cancel(false);
    }
  }

  private static long parse(String lastEventId) {
    if (lastEventId == null || lastEventId.isBlank()) {
      return 0;
    }
    try {
      long v = Long.parseLong(lastEventId.strip());
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("Last-Event-ID", "must be an event id (a non-negative integer)");
    }
  }

  @org.springframework.context.event.EventListener(org.springframework.context.event.ContextClosedEvent.class)
  void endStreams() {
    for (SseEmitter e : open) {
      try {
        e.complete();
      } catch (RuntimeException ignored) {
        // already finished
      }
    }
  }

  @PreDestroy
  void close() {
    pollers.shutdownNow();
  }
}
