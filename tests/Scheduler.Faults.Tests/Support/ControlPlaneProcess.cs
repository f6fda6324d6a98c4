using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Scheduler.Kubernetes.Tests.Support;

namespace Scheduler.Faults.Tests.Support;

/// <summary>
/// One control-plane replica as a real process: the API host's Release build (<c>dotnet Scheduler.Api.dll</c>) with its
/// operator loop, on a cluster reached through a kubeconfig, listening on its own loopback port. It can be killed with
/// SIGKILL, paused with SIGSTOP and resumed, and started again on the same port and identity; its output is kept for failure messages.
/// </summary>
internal sealed class ControlPlaneProcess : IAsyncDisposable
{
    private readonly string[] _arguments;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private ControlPlaneProcess(string name, int port, string[] arguments)
    {
        Name = name;
        BaseUrl = new Uri($"http://127.0.0.1:{port}");
        _arguments = arguments;
    }

    public string Name { get; }

    public Uri BaseUrl { get; }

    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>The API host's build output of the configuration these tests were built in.</summary>
    public static string ApiAssembly
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var path = RepoPaths.Of(Path.Combine("src", "Scheduler.Api", "bin", configuration, "net10.0", "Scheduler.Api.dll"));
            return File.Exists(path) ? path : throw new InvalidOperationException($"Build the API host first: {path} is missing.");
        }
    }

    /// <summary>Applies the migrations (as <c>make run</c> does) and answers the cluster-admin token it bootstraps.</summary>
    public static async Task<string> MigrateAsync(string connectionString, CancellationToken ct)
    {
        var dataDir = Directory.CreateTempSubdirectory("faults-migrate").FullName;
        try
        {
            using var migrate = Start(["migrate", $"--ConnectionStrings:Scheduler={connectionString}", $"--Scheduler:DataDir={dataDir}", "--Logging:LogLevel:Default=Warning"]);
            var output = new StringBuilder();
            Capture(migrate, output);
            await migrate.WaitForExitAsync(ct);
            if (migrate.ExitCode != 0)
            {
                throw new InvalidOperationException($"migrate exited {migrate.ExitCode}: {output}");
            }

            return (await File.ReadAllTextAsync(Path.Combine(dataDir, "admin-token"), ct)).Trim();
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>A replica (not started) named <paramref name="name"/>, its leader-election identity, with short intervals and leases.</summary>
    public static ControlPlaneProcess Create(string name, string connectionString, string kubeconfig, string jobNamespace, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var arguments = new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings:Scheduler"] = connectionString,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Scheduler:Kubernetes:Mode"] = "Kubeconfig",
            ["Scheduler:Kubernetes:Kubeconfig"] = kubeconfig,
            ["Scheduler:Kubernetes:DefaultNamespace"] = jobNamespace,
            ["Scheduler:Kubernetes:TelemetryUrl"] = $"http://127.0.0.1:{port}",
            ["Scheduler:Kubernetes:LeaderElection:Identity"] = name,
            ["Scheduler:Kubernetes:LeaderElection:LeaseDuration"] = "00:00:04",
            ["Scheduler:Kubernetes:LeaderElection:RenewDeadline"] = "00:00:03",
            ["Scheduler:Kubernetes:LeaderElection:RetryPeriod"] = "00:00:00.25",
            ["Scheduler:Intervals:SchedulingCycle"] = "00:00:00.25",
            ["Scheduler:Intervals:CycleDebounce"] = "00:00:00.02",
            ["Scheduler:Intervals:OrphanCollection"] = "00:00:02",
            ["Scheduler:Policy:PreemptionGracePeriodSeconds"] = "5",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            arguments[key] = value;
        }

        return new ControlPlaneProcess(name, port, [.. arguments.Select(a => $"--{a.Key}={a.Value}")]);
    }

    /// <summary>Starts the process and waits until it answers <c>/healthz</c>.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException($"{Name} is already running.");
        }

        _process?.Dispose();
        lock (_log)
        {
            _log.AppendLine(CultureInvariant($"--- start {DateTimeOffset.UtcNow:HH:mm:ss.fff}"));
        }

        _process = Start(_arguments);
        Capture(_process, _log);
        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.TrueAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} while starting:\n{Log}");
            }

            try
            {
                return (await http.GetAsync("/healthz", ct)).IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(90), () => $"{Name} did not answer /healthz:\n{Log}", ct);
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, whatever the process was doing.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            lock (_log)
            {
                _log.AppendLine(CultureInvariant($"--- SIGKILL {DateTimeOffset.UtcNow:HH:mm:ss.fff}"));
            }

            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGSTOP: the process is frozen (no lease renewal, no cycle) until <see cref="Resume"/>.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>SIGCONT.</summary>
    public void Resume() => Signal("CONT");

    public string Log
    {
        get
        {
            lock (_log)
            {
                var text = _log.ToString();
                return text.Length > 6000 ? text[^6000..] : text;
            }
        }
    }

    public HttpClient Client(string token)
    {
        // Generous: the first requests of a fresh process JIT their whole path, on a CI machine shared by every test project.
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            Resume();
            await KillAsync();
        }

        _process?.Dispose();
    }

    private void Signal(string signal)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-s", signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })
            ?? throw new InvalidOperationException("kill did not start.");
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -s {signal} {process.Id} exited {kill.ExitCode}");
        }
    }

    private static Process Start(IEnumerable<string> arguments)
    {
        var assembly = ApiAssembly;
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The content root (appsettings.json) is the build output.
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The cluster comes from the arguments, never from the caller's environment.
        start.Environment.Remove("KUBECONFIG");
        // The host turns tiered compilation off for steady-state throughput (its csproj); a process these tests restart 20
        // times needs a quick start instead, and what it does (not how fast) is under test.
        start.Environment["DOTNET_TieredCompilation"] = "1";
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
    }

    private static void Capture(Process process, StringBuilder log)
    {
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

}
