package io.hindsight.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.service.api.ApiException;
import org.junit.jupiter.api.Test;

class PageTokenTest {
  @Test
  void roundTripsAndIsBoundToItsFilter() {
    String t = PageToken.encode(42, JobStatus.RUNNING);
    assertThat(PageToken.decode(t, JobStatus.RUNNING)).isEqualTo(42);
    assertThatThrownBy(() -> PageToken.decode(t, null)).isInstanceOf(ApiException.class)
        .extracting(e -> ((ApiException) e).field()).isEqualTo("pageToken");
    assertThat(PageToken.decode(PageToken.encode(7, null), null)).isEqualTo(7);
  }

  @Test
  void rejectsForgedTokens() {
    for (String bad : new String[] {"", "!!", "djE6LTE6", "djI6NTo", "djE6eDo", "AAAA"}) {
      assertThatThrownBy(() -> PageToken.decode(bad, null)).as(bad).isInstanceOf(ApiException.class);
    }
  }
}
