using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Scheduler.Trainer.Distributed;

/// <summary>
/// Data-parallel collectives over TCP (Patarasuk &amp; Yuan's bandwidth-optimal ring). Rendezvous: rank 0 listens on
/// MASTER_ADDR:MASTER_PORT, every rank reports the port of its own ring listener, rank 0 answers with the table, then each
/// rank connects to its successor and accepts its predecessor. The sums happen in a fixed order, so results are the same
/// on every rank and in every run.
/// </summary>
internal sealed class RingAllReduce : IGradientReducer
{
    private readonly TcpClient _next;
    private readonly TcpClient _previous;
    private readonly NetworkStream _send;
    private readonly NetworkStream _receive;

    private RingAllReduce(int rank, int worldSize, TcpClient next, TcpClient previous)
    {
        Rank = rank;
        WorldSize = worldSize;
        _next = next;
        _previous = previous;
        _send = next.GetStream();
        _receive = previous.GetStream();
    }

    public int Rank { get; }

    public int WorldSize { get; }

    public static async Task<RingAllReduce> ConnectAsync(int rank, int worldSize, string masterAddress, int masterPort, TextWriter log, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        var ringListener = new TcpListener(IPAddress.Any, 0);
        ringListener.Start(1);
        try
        {
            var ringPort = ((IPEndPoint)ringListener.LocalEndpoint).Port;
            var table = rank == 0
                ? await GatherTableAsync(worldSize, masterAddress, masterPort, ringPort, ct).ConfigureAwait(false)
                : await ReportToMasterAsync(rank, masterAddress, masterPort, ringPort, ct).ConfigureAwait(false);
            var successor = table[(rank + 1) % worldSize];
            var accept = ringListener.AcceptTcpClientAsync(ct).AsTask();
            var next = await ConnectWithRetriesAsync(successor.Address, successor.Port, ct).ConfigureAwait(false);
            var previous = await accept.ConfigureAwait(false);
            next.NoDelay = true;
            previous.NoDelay = true;
            log.WriteLine($"trainer: rank {rank}/{worldSize} joined the ring (next {successor})");
            return new RingAllReduce(rank, worldSize, next, previous);
        }
        finally
        {
            ringListener.Stop();
        }
    }

    private static async Task<IPEndPoint[]> GatherTableAsync(int worldSize, string masterAddress, int masterPort, int ringPort, CancellationToken ct)
    {
        var listener = new TcpListener(IPAddress.Any, masterPort);
        listener.Start(worldSize);
        var clients = new List<(TcpClient Client, int Rank)>();
        try
        {
            var table = new IPEndPoint[worldSize];
            table[0] = new IPEndPoint((await Dns.GetHostAddressesAsync(masterAddress, ct).ConfigureAwait(false)).First(a => a.AddressFamily == AddressFamily.InterNetwork), ringPort);
            while (clients.Count < worldSize - 1)
            {
                var client = await listener.AcceptTcpClientAsync(ct).ConfigureAwait(false);
                var stream = client.GetStream();
                var rank = await ReadInt32Async(stream, ct).ConfigureAwait(false);
                var port = await ReadInt32Async(stream, ct).ConfigureAwait(false);
                if (rank <= 0 || rank >= worldSize || table[rank] is not null)
                {
                    client.Dispose();
                    throw new InvalidOperationException($"rendezvous: unexpected or duplicate rank {rank}");
                }

                table[rank] = new IPEndPoint(((IPEndPoint)client.Client.RemoteEndPoint!).Address, port);
                clients.Add((client, rank));
            }

            var encoded = EncodeTable(table);
            foreach (var (client, _) in clients)
            {
                await client.GetStream().WriteAsync(encoded, ct).ConfigureAwait(false);
            }

            return table;
        }
        finally
        {
            foreach (var (client, _) in clients)
            {
                client.Dispose();
            }

            listener.Stop();
        }
    }

    private static async Task<IPEndPoint[]> ReportToMasterAsync(int rank, string masterAddress, int masterPort, int ringPort, CancellationToken ct)
    {
        using var master = await ConnectWithRetriesAsync(masterAddress, masterPort, ct).ConfigureAwait(false);
        var stream = master.GetStream();
        var hello = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(hello, rank);
        BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(4), ringPort);
        await stream.WriteAsync(hello, ct).ConfigureAwait(false);
        var count = await ReadInt32Async(stream, ct).ConfigureAwait(false);
        var table = new IPEndPoint[count];
        for (var i = 0; i < count; i++)
        {
            var address = new byte[4];
            await stream.ReadExactlyAsync(address, ct).ConfigureAwait(false);
            table[i] = new IPEndPoint(new IPAddress(address), await ReadInt32Async(stream, ct).ConfigureAwait(false));
        }

        return table;
    }

    private static byte[] EncodeTable(IPEndPoint[] table)
    {
        var bytes = new byte[4 + table.Length * 8];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, table.Length);
        for (var i = 0; i < table.Length; i++)
        {
            table[i].Address.MapToIPv4().GetAddressBytes().CopyTo(bytes, 4 + i * 8);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8 + i * 8), table[i].Port);
        }

        return bytes;
    }

    private static async Task<TcpClient> ConnectWithRetriesAsync(object address, int port, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var client = new TcpClient();
            try
            {
                if (address is IPAddress ip)
                {
                    await client.ConnectAsync(ip, port, ct).ConfigureAwait(false);
                }
                else
                {
                    await client.ConnectAsync((string)address, port, ct).ConfigureAwait(false);
                }

                return client;
            }
            catch (SocketException)
            {
                client.Dispose();
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    private static async Task<int> ReadInt32Async(NetworkStream stream, CancellationToken ct)
    {
        var bytes = new byte[4];
        await stream.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes);
    }

    /// <summary>Reduce-scatter then all-gather, W−1 steps each; every step sends one chunk while receiving another.</summary>
    public void AllReduceSum(float[] values)
    {
        var w = WorldSize;
        var bounds = Enumerable.Range(0, w + 1).Select(i => (int)((long)values.Length * i / w)).ToArray();
        var incoming = new float[bounds[1] - bounds[0] + 1];
        for (var s = 0; s < w - 1; s++)
        {
            var sendChunk = Mod(Rank - s, w);
            var receiveChunk = Mod(Rank - s - 1, w);
            var length = bounds[receiveChunk + 1] - bounds[receiveChunk];
            Exchange(values.AsMemory(bounds[sendChunk], bounds[sendChunk + 1] - bounds[sendChunk]), incoming.AsSpan(0, length));
            var target = values.AsSpan(bounds[receiveChunk], length);
            for (var i = 0; i < length; i++)
            {
                target[i] += incoming[i];
            }
        }

        for (var s = 0; s < w - 1; s++)
        {
            var sendChunk = Mod(Rank + 1 - s, w);
            var receiveChunk = Mod(Rank - s, w);
            var length = bounds[receiveChunk + 1] - bounds[receiveChunk];
            Exchange(values.AsMemory(bounds[sendChunk], bounds[sendChunk + 1] - bounds[sendChunk]), values.AsSpan(bounds[receiveChunk], length));
        }
    }

    private void Exchange(ReadOnlyMemory<float> send, Span<float> receive)
    {
        var sending = Task.Run(() => _send.Write(MemoryMarshal.AsBytes(send.Span)));
        _receive.ReadExactly(MemoryMarshal.AsBytes(receive));
        sending.GetAwaiter().GetResult();
    }

    public byte[] Broadcast(byte[]? payload)
    {
        byte[] bytes;
        if (Rank == 0)
        {
            bytes = payload ?? throw new ArgumentNullException(nameof(payload), "rank 0 must provide the payload");
        }
        else
        {
            var header = new byte[4];
            _receive.ReadExactly(header);
            bytes = new byte[BinaryPrimitives.ReadInt32LittleEndian(header)];
            _receive.ReadExactly(bytes);
        }

        if (Rank != WorldSize - 1)
        {
            var header = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(header, bytes.Length);
            _send.Write(header);
            _send.Write(bytes);
        }

        return bytes;
    }

    private static int Mod(int value, int modulus) => ((value % modulus) + modulus) % modulus;

    public void Dispose()
    {
        _next.Dispose();
        _previous.Dispose();
    }
}
