using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Scheduler.Benchmarks.ControlPlane;

/// <summary>
/// The API as <c>make run</c> starts it (Release build, <c>migrate</c> first), on a free loopback port, against the given
/// database, for the submit benchmark; stopped when disposed.
/// </summary>
public sealed class LocalApi : IAsyncDisposable
{
    private readonly Process _server;

    private readonly string _dataDir;

    private LocalApi(Process server, string baseUrl, string adminToken, string dataDir)
    {
        _dataDir = dataDir;
        _server = server;
        BaseUrl = baseUrl;
        AdminToken = adminToken;
    }

    /// <summary>The API's data folder (admin token, job-token secret, a simulated cluster's kubeconfig), deleted with it.</summary>
    public string DataDir => _dataDir;

    public string BaseUrl { get; }

    /// <summary>The cluster-admin token <c>migrate</c> bootstrapped (as for <c>make run</c>) that the benchmark's clients send.</summary>
    public string AdminToken { get; }

    /// <summary>The <c>dotnet run</c> process; the API runs in its process tree.</summary>
    public int ProcessId => _server.Id;

    /// <summary>The control plane as <c>make run</c> starts it with its simulated cluster (operator on), plus <paramref name="settings"/>.</summary>
    public static Task<LocalApi> StartWithClusterAsync(string connectionString, CancellationToken ct, params string[] settings) =>
        StartAsync(connectionString, ct, ["--Scheduler:Kubernetes:Mode=Simulated", .. settings]);

    /// <summary><paramref name="overrides"/> (<c>--Key=value</c>) go after the defaults and win over them (e.g. the operator's mode).</summary>
    public static async Task<LocalApi> StartAsync(string connectionString, CancellationToken ct, params string[] overrides)
    {
        var project = FindApiProject();
        var settings = $"--ConnectionStrings:Scheduler={connectionString}";
        var dataDir = Directory.CreateTempSubdirectory("bench-api").FullName;
        using (var migrate = Dotnet(project, "migrate", settings, $"--Scheduler:DataDir={dataDir}"))
        {
            await migrate.WaitForExitAsync(ct);
            if (migrate.ExitCode != 0)
            {
                throw new InvalidOperationException($"Migrating the benchmark database failed (exit {migrate.ExitCode}).");
            }
        }

        var baseUrl = $"http://127.0.0.1:{FreePort()}";
        // The submit path alone: no operator (and no simulated cluster) scheduling the benchmark's jobs on the same cores.
        var server = Dotnet(project, ["--urls", baseUrl, settings, "--Logging:LogLevel:Default=Warning", "--Scheduler:Kubernetes:Mode=Disabled",
            // Every submission goes to one queue and none is ever placed: the per-queue cap (10,000 queued) would refuse most.
            "--Scheduler:Limits:MaxQueuedJobsPerQueue=100000000", $"--Scheduler:DataDir={dataDir}", .. overrides]);
        var adminToken = (await File.ReadAllTextAsync(Path.Combine(dataDir, "admin-token"), ct)).Trim();
        var api = new LocalApi(server, baseUrl, adminToken, dataDir);
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        for (var waited = 0; waited < 120; waited++)
        {
            try
            {
                if ((await http.GetAsync("/readyz", ct)).IsSuccessStatusCode)
                {
                    return api;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }

        await api.DisposeAsync();
        throw new TimeoutException($"The API did not become ready on {baseUrl} within two minutes.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_server.HasExited)
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server.Dispose();
        // The API's own files (the admin token, the job-token secret, a simulated cluster's kubeconfig) go with it.
        Directory.Delete(_dataDir, recursive: true);
    }

    private static Process Dotnet(string project, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        // As make run and the chart start it (a 64 MiB gen0 budget, docs/install.md); a value in this environment wins.
        start.Environment["DOTNET_GCgen0size"] = Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? ControlPlaneGen0Size;
        // As make run and the chart start it (readyToRun: false, docs/install.md): the JIT compiles the framework's code too. Given
        // to the app through dotnet run's -e, so the SDK's own start keeps its precompiled code.
        var readyToRun = "DOTNET_ReadyToRun=" + (Environment.GetEnvironmentVariable("DOTNET_ReadyToRun") ?? "0");
        foreach (var arg in new[] { "run", "--project", project, "-c", "Release", "--no-build", "-e", readyToRun, "--" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
    }

    private static string FindApiProject()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Scheduler.Api", "Scheduler.Api.csproj");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Run the benchmark from the repository: src/Scheduler.Api/Scheduler.Api.csproj was not found above the current directory.");
    }

    /// <summary>The control plane's gen0 budget as <c>make run</c> and the chart set it (<c>GC_GEN0_SIZE</c>, <c>gcGen0Size</c>).</summary>
    internal const string ControlPlaneGen0Size = "0x4000000";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
