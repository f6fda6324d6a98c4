using System.Net;
using System.Net.Sockets;

namespace Scheduler.Api.Tests.Http;

/// <summary>
/// A TCP relay in front of the test PostgreSQL that a test can take down (connections refused, open ones reset) and bring
/// back on the same port: a database outage for one host in process, without stopping the server other tests share.
/// </summary>
internal sealed class OutageProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;

    private OutageProxy(IPEndPoint target, int port)
    {
        _target = target;
        Port = port;
    }

    public int Port { get; }

    public static OutageProxy Start(string host, int port)
    {
        var address = IPAddress.TryParse(host, out var parsed) ? parsed : Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork);
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var own = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var proxy = new OutageProxy(new IPEndPoint(address, port), own);
        proxy.Up();
        return proxy;
    }

    /// <summary>Accept and relay connections again.</summary>
    public void Up()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        // The relayed connections we reset leave this port in TIME_WAIT; listening on it again must not fail on them.
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        lock (_gate)
        {
            _listener = listener;
        }

        _accepting = AcceptAsync(listener);
    }

    /// <summary>Refuse new connections and reset the open ones, as a stopped server would.</summary>
    public async Task DownAsync()
    {
        TcpListener? listener;
        TcpClient[] open;
        lock (_gate)
        {
            listener = _listener;
            _listener = null;
            open = [.. _open];
            _open.Clear();
        }

        listener?.Stop();
        foreach (var client in open)
        {
            // A reset, not a polite close; a relay that already ended has disposed its socket.
            if (client.Client is { Connected: true } socket)
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (ObjectDisposedException)
                {
                }
            }

            client.Dispose();
        }

        await _accepting;
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(_target);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (_gate)
            {
                _open.Add(client);
                _open.Add(server);
            }

            _ = RelayAsync(client, server);
            _ = RelayAsync(server, client);
        }
    }

    private static async Task RelayAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // The other side went away, or the outage reset both.
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await DownAsync();
}
