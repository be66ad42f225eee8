using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>
/// A real IMAP server for the bounce mailbox: Dovecot (installed by <c>scripts/test.sh</c> through
/// <c>scripts/imap.sh</c>), started once per test run in a temp folder on 127.0.0.1 and free ports, rootless (as root
/// it runs as <c>nobody</c>), stopped when the test process exits. Bounces reach it like in production: over LMTP
/// to the return path, which Dovecot files into the mailbox of the part before the <c>+</c>.
/// </summary>
public static class ImapServer
{
    public const string Password = "bounces-test";

    private static readonly Lazy<Task<(int Imap, int Lmtp)>> s_ports = new(StartAsync);

    public static Task<(int Imap, int Lmtp)> PortsAsync() => s_ports.Value;

    private static async Task<(int Imap, int Lmtp)> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("kitalink-test-imap-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        }
        var output = await Task.Run(() => Script("start", folder));
        var parts = output.Trim().Split(' ');
        if (parts.Length != 2)
        {
            throw new InvalidOperationException($"scripts/imap.sh start did not print the ports: '{output}'");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Script("stop", folder);
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception exception) when (exception is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
            }
        };
        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Delivers a raw message to <paramref name="recipient"/> over LMTP with an empty envelope sender (as bounces are sent).</summary>
    public static async Task DeliverAsync(string recipient, MimeMessage message)
    {
        var (_, lmtp) = await PortsAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", lmtp);
        await using var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };

        async Task Expect(string code)
        {
            string? line;
            do
            {
                line = await reader.ReadLineAsync() ?? throw new IOException("LMTP server closed the connection");
            }
            while (line.Length > 3 && line[3] == '-');
            if (!line.StartsWith(code, StringComparison.Ordinal))
            {
                throw new IOException($"LMTP: expected {code}, got '{line}'");
            }
        }

        await Expect("220");
        await writer.WriteLineAsync("LHLO tests.kitalink.test");
        await Expect("250");
        await writer.WriteLineAsync("MAIL FROM:<>");
        await Expect("250");
        await writer.WriteLineAsync($"RCPT TO:<{recipient}>");
        await Expect("250");
        await writer.WriteLineAsync("DATA");
        await Expect("354");
        using var buffer = new MemoryStream();
        await message.WriteToAsync(FormatOptions.Default, buffer);
        var text = Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            await writer.WriteLineAsync(line.StartsWith('.') ? "." + line : line);
        }
        await writer.WriteLineAsync(".");
        await Expect("250");
        await writer.WriteLineAsync("QUIT");
    }

    private static string Script(string command, string folder) => ProjectScript.Run("imap.sh", command, folder);
}

/// <summary>The bounce fixtures of <c>tests/fixtures/bounces</c> with their placeholders filled in.</summary>
public static class BounceFixtures
{
    public static MimeMessage Load(string name, string returnPath, string recipient, string originalMessageId, string? bounceId = null)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "bounces", name))
            .Replace("{{RETURN_PATH}}", returnPath, StringComparison.Ordinal)
            .Replace("{{RECIPIENT}}", recipient, StringComparison.Ordinal)
            .Replace("{{ORIGINAL_ID}}", originalMessageId, StringComparison.Ordinal)
            .Replace("{{BOUNCE_ID}}", bounceId ?? Guid.NewGuid().ToString("N"), StringComparison.Ordinal);
        return MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text)));
    }
}

/// <summary>
/// The service with VERP return paths on a bounce domain and the bounce mailbox reader on the test Dovecot. Each
/// factory has its own return-path local part, which is also its own IMAP user and mailbox.
/// </summary>
public class BounceFactory : KitaLinkFactory
{
    public const string Domain = "bounce.kitalink.test";

    public string LocalPart { get; } = "b" + Guid.NewGuid().ToString("N")[..12];
    public int ImapPort { get; private set; }

    /// <summary>Whether the hosted reader runs (tests of several readers drive <c>BounceMailbox</c> themselves).</summary>
    protected virtual bool ReaderRuns => true;

    public override async Task InitializeAsync()
    {
        ImapPort = (await ImapServer.PortsAsync()).Imap;
        await base.InitializeAsync();
    }

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Bounces:Domain"] = Domain,
        ["Bounces:LocalPart"] = LocalPart,
        ["Bounces:Imap:Host"] = "127.0.0.1",
        ["Bounces:Imap:Enabled"] = ReaderRuns ? "true" : "false",
        ["Bounces:Imap:Port"] = ImapPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Bounces:Imap:UseTls"] = "false",
        ["Bounces:Imap:Username"] = LocalPart,
        ["Bounces:Imap:Password"] = ImapServer.Password,
        ["Bounces:Imap:PollIntervalSeconds"] = "1",
        ["Bounces:Imap:MaxMessageBytes"] = "65536",
    };
}
