package io.hindsight.service.api;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document's header (title, version, the API-key bearer scheme), the shared
 * {@code Problem} schema, and the error responses every operation has (400, 401, 429 with
 * {@code Retry-After}, and 404 where the path names a resource, also for another key's resource). The document served at {@code /v3/api-docs} must stay identical to the
 * repository's {@code openapi.yaml} ({@code OpenApiContractTest} checks it).
 */
@Configuration
public class OpenApiConfig {
  @Bean
  OpenAPI hindsightOpenApi() {
    Schema<?> problem = new ObjectSchema()
        .description("RFC 9457 problem details; `field` names the offending input (JSON path, parameter or header)")
        .addProperty("type", new StringSchema().format("uri")).addProperty("title", new StringSchema())
        .addProperty("status", new IntegerSchema()).addProperty("detail", new StringSchema())
        .addProperty("instance", new StringSchema()).addProperty("field", new StringSchema());
    return new OpenAPI()
        .info(new Info().title("Hindsight training-job API").version("v1")
            .description("Submit, follow and collect fully quantized training jobs. Errors are RFC 9457"
                + " application/problem+json documents whose `field` names the offending input.")
            .license(new License().name("Apache-2.0").identifier("Apache-2.0")))
        .components(new Components().addSchemas("Problem", problem).addSecuritySchemes("apiKey", new SecurityScheme()
            .type(SecurityScheme.Type.HTTP).scheme("bearer").description("An API key: Authorization: Bearer <key>")))
        .addSecurityItem(new SecurityRequirement().addList("apiKey"));
  }

  @Bean
  OpenApiCustomizer problemResponses() {
    return api -> api.getPaths().forEach((path, item) -> item.readOperations().forEach(op -> {
      op.getResponses().putIfAbsent("400", problem("Invalid request (malformed id, parameter or body)"));
      op.getResponses().putIfAbsent("401", problem("Missing, unknown or revoked API key"));
      if (path.contains("{id}")) {
        op.getResponses().putIfAbsent("404", problem("No such resource, or it belongs to another API key"));
      }
      op.getResponses().putIfAbsent("429", problem("Over the key's request rate (or, where the operation creates"
          + " jobs or datasets, its quota); Retry-After says when to try again")
          .addHeaderObject("Retry-After", new Header().description("seconds to wait before retrying")
              .schema(new IntegerSchema())));
    }));
  }

  private static ApiResponse problem(String description) {
    return new ApiResponse().description(description).content(new Content().addMediaType("application/problem+json",
        new MediaType().schema(new Schema<>().$ref("#/components/schemas/Problem"))));
  }
}
