using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Scheduler.Api.Http;

namespace Scheduler.Api.Hosting;

internal static class ApiServices
{
    /// <summary>The web side: strict JSON like the spec's own (<c>JobSpecJson</c>), problem+json for every error, OpenAPI, health checks.</summary>
    public static IHostApplicationBuilder AddApiServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<JsonOptions>(options => UseSpecJsonRules(options.SerializerOptions));
        // Binding failures (bad JSON, wrong content type, missing body) become exceptions that ApiExceptionHandler explains.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<RequestLimits>(builder.Configuration.GetSection(RequestLimits.Section));
        services.Configure<Scheduler.Operator.Hosting.LogOptions>(builder.Configuration.GetSection(Scheduler.Operator.Hosting.LogOptions.Section));
        services.AddSingleton<Apis.LogFollows>();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddOpenApi();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [DatabaseHealthCheck.ReadyTag]);
        return builder;
    }

    public static WebApplication UseApiPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(StatusCodeProblems.WriteAsync);
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseMiddleware<JsonCharsetMiddleware>();
        app.UseMiddleware<NulCharacterMiddleware>();
        return app;
    }

    private static void UseSpecJsonRules(JsonSerializerOptions options)
    {
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.AllowTrailingCommas = false;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        // {"gpus": 1, "gpus": 4096} is refused, not read as its last value (what one reader of a body sees, another must too).
        options.AllowDuplicateProperties = false;
        // Ahead of the enums' own converters (options win over type attributes): names only, never numbers such as "optimizer": 2.
        options.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
        options.Converters.Add(new Scheduler.Domain.Specs.NulFreeStringConverter());
    }
}
