package io.hindsight.service.jobs;

import java.util.List;

/** One page of {@code GET /jobs}: newest first; pass {@code nextPageToken} as {@code pageToken} for the next. */
public record JobPage(List<JobView> jobs, String nextPageToken) {}
