using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace KitaLink.Bench;

/// <summary>
/// A local SMTP server (plain text, loopback only) that accepts every message and keeps only counts:
/// it stands in for the mail provider so the benchmark measures KitaLink's outbox, not the internet.
/// Writes its figures to <c>--stats</c> every second and on SIGTERM/SIGINT.
/// </summary>
public static class SmtpSinkCommand
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var port = options.Int("port", 2525);
        var statsFile = options.Required("stats");
        var store = new CountingStore();
        var serverOptions = new SmtpServerOptionsBuilder()
            .ServerName("bench-sink.local")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, port)).IsSecure(false))
            .Build();
        var serviceProvider = new SmtpServer.ComponentModel.ServiceProvider();
        serviceProvider.Add(store);
        serviceProvider.Add(new NoDelayListenerFactory());
        var server = new SmtpServer.SmtpServer(serverOptions, serviceProvider);

        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
        var running = server.StartAsync(stop.Token);
        Console.WriteLine($"SMTP sink listening on 127.0.0.1:{port}");
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await WriteStatsAsync(statsFile, store);
                await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        server.Shutdown();
        try
        {
            await running.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException)
        {
        }
        await WriteStatsAsync(statsFile, store);
        return 0;
    }

    private static async Task WriteStatsAsync(string path, CountingStore store)
    {
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(store.Snapshot(), Json.Options));
        File.Move(temporary, path, overwrite: true);
    }

    private sealed class CountingStore : MessageStore
    {
        private readonly Lock _lock = new();
        private long _messages;
        private long _bytes;
        private DateTimeOffset? _first;
        private DateTimeOffset? _last;

        public SinkStats Snapshot()
        {
            lock (_lock)
            {
                return new SinkStats(_messages, _bytes, _first, _last);
            }
        }

        public override Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var now = DateTimeOffset.UtcNow;
            lock (_lock)
            {
                _messages++;
                _bytes += buffer.Length;
                _first ??= now;
                _last = now;
            }
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}

public sealed record SinkStats(long Messages, long Bytes, DateTimeOffset? FirstAt, DateTimeOffset? LastAt);

/// <summary>
/// Plain-text listener whose connections have Nagle's algorithm off, like a production MTA's: the
/// library's default listener leaves it on, and then every reply written in more than one piece waits
/// for the client's delayed ACK (about 40 ms), which would make the sink, not KitaLink, the bottleneck.
/// </summary>
internal sealed class NoDelayListenerFactory : IEndpointListenerFactory
{
    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        var listener = new TcpListener(endpointDefinition.Endpoint);
        listener.Start(backlog: 512);
        return new Listener(listener);
    }

    private sealed class Listener(TcpListener listener) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var socket = await listener.AcceptSocketAsync(cancellationToken);
            socket.NoDelay = true;
            context.Properties[EndpointListener.LocalEndPointKey] = listener.LocalEndpoint;
            context.Properties[EndpointListener.RemoteEndPointKey] = socket.RemoteEndPoint!;
            return new PlainPipe(new NetworkStream(socket, ownsSocket: true));
        }

        public void Dispose() => listener.Stop();
    }

    private sealed class PlainPipe(NetworkStream stream) : ISecurableDuplexPipe
    {
        public PipeReader Input { get; } = PipeReader.Create(stream);

        public PipeWriter Output { get; } = PipeWriter.Create(stream);

        public bool IsSecure => false;

        public SslProtocols SslProtocol => SslProtocols.None;

        public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The benchmark sink speaks plain SMTP only.");

        public void Dispose()
        {
            Input.Complete();
            Output.Complete();
            stream.Dispose();
        }
    }
}

