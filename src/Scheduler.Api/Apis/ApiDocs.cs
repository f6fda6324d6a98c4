using Scalar.AspNetCore;

namespace Scheduler.Api.Apis;

internal static class ApiDocs
{
    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and a browsable reference at <c>/scalar/v1</c> (assets served by the app).</summary>
    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder app)
    {
        // Open: the API's description holds no data (every operation it describes still needs a token).
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(options => options.WithTitle("GPU scheduler API")).AllowAnonymous();
        return app;
    }
}
