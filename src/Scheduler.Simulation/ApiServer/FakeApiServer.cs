using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Scheduler.Simulation.ApiServer;

/// <summary>
/// An in-process Kubernetes API server on 127.0.0.1 for tests and for the simulated cluster of <c>make run</c>:
/// JSON over HTTP with the real API's semantics for nodes, pods (binding, status, graceful deletion), services, events,
/// namespaces, leases and our two custom resources, plus the discovery and OpenAPI documents kubectl needs.
/// See docs/kubernetes.md for what it implements and what it leaves out.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeApiServerOptions _options;
    private readonly ITimer _reaper;
    private readonly CancellationTokenSource _stopping = new();

    private FakeApiServer(WebApplication app, FakeApiServerOptions options, Uri address)
    {
        _app = app;
        _options = options;
        BaseAddress = address;
        Resources = new ApiResources(options.Catalog, options.Priorities);
        Store = new ObjectStore(options.HistoryLimit);
        Operations = new ResourceOperations(Store, options.Time) { Quotas = (Resources.ResourceQuotas, Resources.Pods) };
        Operations.Create(Resources.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } }, RequestOptions.Default);
        foreach (var crd in Kubernetes.Crds.CustomResourceDefinitions.All)
        {
            Operations.Create(Resources.CustomResourceDefinitions, null, JsonNode.Parse(KubernetesJson.Serialize(crd))!.AsObject(), RequestOptions.Default);
        }

        _reaper = options.Time.CreateTimer(_ => Operations.RemoveExpired(Resources.Pods), null, options.ReapInterval, options.ReapInterval);
    }

    public Uri BaseAddress { get; }

    /// <summary>
    /// Refuses creates the test names (a quota webhook's 403, a missing namespace's 404, a 422), as admission does on a real
    /// server; null (the default) admits everything that validates.
    /// </summary>
    public AdmissionHook? Admission
    {
        get => Operations.Admission;
        set => Operations.Admission = value;
    }

    /// <summary>The current resourceVersion (the store's revision).</summary>
    public long ResourceVersion => Store.Revision;

    internal ApiResources Resources { get; }

    internal ObjectStore Store { get; }

    internal ResourceOperations Operations { get; }

    internal TimeProvider Time => _options.Time;

    internal TimeSpan BookmarkInterval => _options.BookmarkInterval;

    /// <summary>Fires when the server stops: open watches end then, instead of holding the shutdown up.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    public static async Task<FakeApiServer> StartAsync(FakeApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FakeApiServerOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        FakeApiServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeApiServer(app, options, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
        return server;
    }

    /// <summary>A client configuration for this server (plain HTTP, no credentials).</summary>
    public KubernetesClientConfiguration ClientConfiguration() => new() { Host = BaseAddress.ToString().TrimEnd('/') };

    public IKubernetes CreateClient() => new k8s.Kubernetes(ClientConfiguration());

    /// <summary>Writes a kubeconfig whose current context points at this server, so kubectl and KUBECONFIG users reach it.</summary>
    public void WriteKubeconfig(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var server = BaseAddress.ToString().TrimEnd('/');
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: gpu-scheduler-sim
              cluster:
                server: {server}
            users:
            - name: gpu-scheduler-sim
              user:
                token: simulated
            contexts:
            - name: gpu-scheduler-sim
              context:
                cluster: gpu-scheduler-sim
                user: gpu-scheduler-sim
                namespace: default
            current-context: gpu-scheduler-sim

            """);
    }

    /// <summary>Forgets the kept changes (as an etcd compaction does): watches from older resourceVersions get 410 Gone.</summary>
    public void CompactHistory() => Store.Compact();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _reaper.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        try
        {
            await DispatchAsync(context);
        }
        catch (ApiError e)
        {
            await WriteAsync(context, e.ToStatus(), (int)e.Code);
        }
        catch (JsonException e)
        {
            await WriteAsync(context, ApiError.BadRequest("the body is not valid JSON: " + e.Message).ToStatus(), 400);
        }
        catch (InvalidOperationException e) when (!context.Response.HasStarted)
        {
            // A JSON value of the wrong kind where the API expects another (a number for a name).
            await WriteAsync(context, ApiError.BadRequest(e.Message).ToStatus(), 400);
        }
    }

    private Task DispatchAsync(HttpContext context)
    {
        var path = context.Request.Path.Value?.TrimEnd('/') ?? string.Empty;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (path)
        {
            case "/version":
                return WriteAsync(context, Discovery.Version());
            case "/api":
                return WriteAsync(context, Discovery.CoreVersions(BaseAddress.Authority));
            case "/apis":
                return WriteAsync(context, Discovery.Groups(Resources));
            case "/openapi/v3":
                return WriteAsync(context, Discovery.OpenApiRoot(Resources));
            case "/healthz" or "/readyz" or "/livez":
                context.Response.ContentType = "text/plain";
                return context.Response.WriteAsync("ok");
        }

        if (segments.Length >= 3 && segments[0] == "openapi" && segments[1] == "v3")
        {
            var groupVersion = string.Join('/', segments[2..]);
            var resources = Resources.All.Where(r => r.GroupVersionPath == groupVersion).ToList();
            return resources.Count == 0 ? NotFoundAsync(context) : WriteAsync(context, Discovery.OpenApiDocument(resources));
        }

        var (group, version, rest) = segments switch
        {
            ["api", var v, .. var r] => (string.Empty, v, r),
            ["apis", var g, var v, .. var r] => (g, v, r),
            ["apis", var g] => (g, string.Empty, []),
            _ => (null, string.Empty, Array.Empty<string>()),
        };
        if (group is null)
        {
            return NotFoundAsync(context);
        }

        if (version.Length == 0)
        {
            var groupResource = Resources.All.FirstOrDefault(r => r.Group == group);
            return groupResource is null ? NotFoundAsync(context) : WriteAsync(context, Discovery.Group(group, groupResource.Version));
        }

        if (rest.Length == 0)
        {
            var resources = Resources.All.Where(r => r.Group == group && r.Version == version).ToList();
            return resources.Count == 0 ? NotFoundAsync(context) : WriteAsync(context, Discovery.ResourceList(resources[0].ApiVersion, resources));
        }

        var (ns, plural, name, subresource) = rest switch
        {
            ["namespaces", var n, var p, .. var tail] => (n, p, tail.ElementAtOrDefault(0), tail.ElementAtOrDefault(1)),
            [var p, .. var tail] => ((string?)null, p, tail.ElementAtOrDefault(0), tail.ElementAtOrDefault(1)),
            [] => throw new InvalidOperationException("unreachable: rest is not empty"),
        };
        var resource = Resources.Find(group, version, plural);
        if (resource is null || (!resource.Namespaced && ns is not null))
        {
            return NotFoundAsync(context);
        }

        if (resource == Resources.Pods && subresource == "log" && ns is not null && name is not null && HttpMethods.IsGet(context.Request.Method))
        {
            return new PodLogRequest(this, context, ns, name, _options.PodLogs ?? NoLogs.Instance).HandleAsync();
        }

        return new ResourceRequest(this, context, resource, ns, name, subresource).HandleAsync();
    }

    private static Task NotFoundAsync(HttpContext context) =>
        WriteAsync(context, ApiError.StatusObject("Failure", "the server could not find the requested resource", "NotFound", 404, new JsonObject()), 404);

    internal static async Task WriteAsync(HttpContext context, JsonNode body, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        // UTF-8 straight into the response's pipe: a pod's JSON as a string, then its bytes, was most of what a create allocated.
        await using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            body.WriteTo(writer);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private sealed class NoLogs : IPodLogSource
    {
        public static readonly NoLogs Instance = new();

        public IReadOnlyList<PodLogLine> Lines(JsonObject pod, DateTimeOffset now) => [];
    }

    internal static string Revision(long revision) => revision.ToString(CultureInfo.InvariantCulture);
}
