using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Scheduler.Dashboard;

/// <summary>Serves the single-page dashboard at <c>/ui</c> from assets embedded in this assembly (works offline).</summary>
public static class DashboardEndpoints
{
    private static readonly ManifestEmbeddedFileProvider Files = new(Assembly.GetExecutingAssembly(), "wwwroot");

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // One route: "/ui" and "/ui/" both match it (routing ignores a trailing slash), so only the bare form is redirected,
        // to give the page's relative URLs a base.
        endpoints.MapGet("/ui/{**path}", (string? path, HttpRequest request) =>
                request.Path.Value?.EndsWith('/') == false && string.IsNullOrEmpty(path) ? TypedResults.Redirect("/ui/") : Serve(path))
            .ExcludeFromDescription();
        return endpoints;
    }

    private static IResult Serve(string? path)
    {
        var file = string.IsNullOrEmpty(path) ? null : Files.GetFileInfo(path);
        if (file is null || !file.Exists || file.IsDirectory)
        {
            // Client-side routes use the URL hash, so anything that is not an asset gets the page itself.
            if (Path.HasExtension(path))
            {
                return TypedResults.NotFound();
            }

            file = Files.GetFileInfo("index.html");
        }

        return TypedResults.Stream(file.CreateReadStream(), ContentTypeOf(file.Name), lastModified: file.LastModified,
            entityTag: new EntityTagHeaderValue($"\"{file.LastModified.ToUnixTimeSeconds():x}-{file.Length:x}\""));
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".json" => "application/json",
        _ => "application/octet-stream",
    };
}
