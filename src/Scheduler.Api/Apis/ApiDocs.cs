using Scalar.AspNetCore;

namespace Scheduler.Api.Apis;

internal static class ApiDocs
{
    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and a browsable reference at <c>/scalar/v1</c> (assets served by the app).</summary>
    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle("GPU scheduler API"));
        return app;
    }
}
