using System.Globalization;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>
/// A real MTA between the service and the mail recipients' server: Postfix from Debian's packages (installed by
/// <c>scripts/test.sh</c> through <c>scripts/postfix.sh</c>), a private instance with its own configuration and queue
/// in a temp folder, listening on 127.0.0.1 and a free port. It relays every mail to the downstream SMTP server of the
/// test and delivers mail to the bounce domain over LMTP to the test Dovecot (<see cref="ImapServer"/>), so the delivery
/// status notifications it writes itself when the downstream server rejects or defers a mail land in the bounce mailbox.
/// Stopped and removed on dispose (and at the latest when the test process exits).
/// </summary>
public sealed class PostfixServer : IAsyncDisposable
{
    private readonly string _folder;
    private int _stopped;

    private PostfixServer(string folder, int port)
    {
        _folder = folder;
        Port = port;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
    }

    /// <summary>The SMTP port the service sends to.</summary>
    public int Port { get; }

    /// <summary>Postfix's own log (its <c>maillog_file</c>): which mail it relayed, deferred or returned.</summary>
    public string Log => Script("log", _folder);

    /// <summary>
    /// Starts an instance relaying to 127.0.0.1:<paramref name="relayPort"/> and delivering <paramref name="bounceDomain"/>
    /// to LMTP port <paramref name="lmtpPort"/>. A soft failure is retried about every second, warned about after the
    /// first attempt and returned as undeliverable after <paramref name="queueLifetime"/> (Postfix's
    /// <c>maximal_queue_lifetime</c>, whole seconds).
    /// </summary>
    public static async Task<PostfixServer> StartAsync(int relayPort, int lmtpPort, string bounceDomain, TimeSpan queueLifetime)
    {
        var folder = Directory.CreateTempSubdirectory("kitalink-test-postfix-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // Postfix's daemons run as the postfix user and must walk into the queue below this folder.
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        }
        var output = await Task.Run(() => Script("start", folder,
            relayPort.ToString(CultureInfo.InvariantCulture), lmtpPort.ToString(CultureInfo.InvariantCulture), bounceDomain,
            $"{(int)queueLifetime.TotalSeconds}s"));
        if (!int.TryParse(output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            throw new InvalidOperationException($"scripts/postfix.sh start did not print the port: '{output}'");
        }
        return new PostfixServer(folder, port);
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        try
        {
            Script("stop", _folder);
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // A folder left behind is removed with the test run's temp folder by scripts/test.sh.
        }
    }

    private static string Script(string command, params string[] arguments) => ProjectScript.Run("postfix.sh", command, arguments);
}
