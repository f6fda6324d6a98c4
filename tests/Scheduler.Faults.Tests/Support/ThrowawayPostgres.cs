using System.Diagnostics;
using Scheduler.Kubernetes.Tests.Support;

namespace Scheduler.Faults.Tests.Support;

/// <summary>
/// A PostgreSQL server of the test's own (<c>.ci/postgres.sh</c>, as <c>make test</c> starts one), so that it can be stopped
/// for real (<c>pg_ctl stop -m immediate</c>) without taking away the server every other test uses; removed when disposed.
/// It keeps PostgreSQL's default durability, unlike the tests' shared server: with <c>synchronous_commit=off</c> (the
/// <c>--throwaway</c> settings) an immediate stop drops commits already acknowledged, and this suite saw exactly that
/// (a submission answered 201 and gone after the restart). A production database runs with it on.
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _dataDir;
    private readonly int _port;

    private ThrowawayPostgres(string dataDir, int port, string connectionString)
    {
        _dataDir = dataDir;
        _port = port;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<ThrowawayPostgres> StartAsync(CancellationToken ct)
    {
        // The server refuses a data directory whose parents it cannot search; /var/tmp as the Makefile uses.
        var dataDir = Path.Combine("/var/tmp", $"scheduler-faults-pg-{Guid.NewGuid():N}");
        var port = int.Parse((await Script(ct, "free-port")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var connectionString = (await Script(ct, "start", dataDir, port.ToString(System.Globalization.CultureInfo.InvariantCulture))).Trim();
        return new ThrowawayPostgres(dataDir, port, connectionString);
    }

    /// <summary>The outage: the server exits at once, open connections are cut, new ones refused.</summary>
    public Task StopImmediatelyAsync(CancellationToken ct) => Script(ct, "stop", _dataDir, "--immediate");

    /// <summary>Back on the same port and data (crash recovery replays the WAL).</summary>
    public Task RestartAsync(CancellationToken ct) =>
        Script(ct, "start", _dataDir, _port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        await Script(CancellationToken.None, "stop", _dataDir, "--immediate");
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static async Task<string> Script(CancellationToken ct, params string[] arguments)
    {
        var start = new ProcessStartInfo(RepoPaths.Of(".ci/postgres.sh")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException(".ci/postgres.sh did not start.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($".ci/postgres.sh {string.Join(' ', arguments)} exited {process.ExitCode}: {await error}");
        }

        return await output;
    }
}
