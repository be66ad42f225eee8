using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DnsClient;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>
/// A real DNS server for the address check: dnsmasq (installed by <c>scripts/test.sh</c> through
/// <c>scripts/dns.sh</c>), started once per test run in a temp folder on 127.0.0.1 and a free port, as a
/// non-root process (as root it runs as <c>nobody</c>), stopped when the test process exits. It answers only
/// the reserved names below and NXDOMAIN for everything else; it never forwards.
/// </summary>
public static class DnsServer
{
    /// <summary>Has an MX record.</summary>
    public const string MxDomain = "kita-mail.test";

    /// <summary>No MX, an A record: the implicit MX of RFC 5321.</summary>
    public const string AOnlyDomain = "a-only.test";

    /// <summary>No MX, only an AAAA record.</summary>
    public const string AaaaOnlyDomain = "v6-only.test";

    /// <summary>Exists (a TXT record) but has neither MX nor A/AAAA.</summary>
    public const string NoMailDomain = "no-mail.test";

    /// <summary>Does not exist (NXDOMAIN), like every name not configured here.</summary>
    public const string MissingDomain = "missing.test";

    private static readonly Lazy<Task<IPEndPoint>> s_endpoint = new(StartAsync);

    /// <summary>Address and port of the running server (started on first use).</summary>
    public static Task<IPEndPoint> EndpointAsync() => s_endpoint.Value;

    private static string Config(int port) => $"""
        port={port}
        listen-address=127.0.0.1
        bind-interfaces
        no-resolv
        no-hosts
        no-poll
        no-negcache
        # Every name not configured below is answered NXDOMAIN, nothing is forwarded.
        local=/#/
        mx-host={MxDomain},mx1.{MxDomain},10
        host-record=mx1.{MxDomain},192.0.2.25
        host-record={AOnlyDomain},192.0.2.10
        host-record={AaaaOnlyDomain},2001:db8::10
        txt-record={NoMailDomain},"v=spf1 -all"
        """;

    private static async Task<IPEndPoint> StartAsync()
    {
        var binary = Script("bin").Trim();
        if (binary.Length == 0 || !File.Exists(binary))
        {
            Script("ensure");
            binary = Script("bin").Trim();
        }
        var folder = Directory.CreateTempSubdirectory("kitalink-test-dns-").FullName;
        var root = Environment.UserName == "root" || (OperatingSystem.IsLinux() && GetUid() == 0);
        if (!OperatingSystem.IsWindows())
        {
            // dnsmasq runs as "nobody" when the tests run as root: it must read the folder.
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        }

        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreeUdpPort();
            var config = Path.Combine(folder, "dnsmasq.conf");
            await File.WriteAllTextAsync(config, Config(port));
            var start = new ProcessStartInfo(root ? "runuser" : binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = folder,
            };
            if (root)
            {
                foreach (var arg in new[] { "-u", "nobody", "--", binary })
                {
                    start.ArgumentList.Add(arg);
                }
            }
            foreach (var arg in new[] { $"--conf-file={config}", "--keep-in-foreground", "--pid-file=", "--log-facility=-", "--user=nobody" })
            {
                start.ArgumentList.Add(arg);
            }
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var endpoint = new IPEndPoint(IPAddress.Loopback, port);
            if (await AnswersAsync(endpoint, process))
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    try
                    {
                        // The whole tree: as root, dnsmasq is a child of runuser.
                        process.Kill(entireProcessTree: true);
                        process.WaitForExit(5000);
                        Directory.Delete(folder, recursive: true);
                    }
                    catch (Exception exception) when (exception is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
                    {
                    }
                };
                return endpoint;
            }
            last = new InvalidOperationException($"dnsmasq did not answer on port {port} (exited: {process.HasExited}).");
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        throw last!;
    }

    /// <summary>Waits until the server answers a query for the MX test domain (the port may have been taken meanwhile).</summary>
    private static async Task<bool> AnswersAsync(IPEndPoint endpoint, Process process)
    {
        var client = new LookupClient(new LookupClientOptions(endpoint) { UseCache = false, Retries = 0, Timeout = TimeSpan.FromMilliseconds(500) });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                var answer = await client.QueryAsync(MxDomain, QueryType.MX);
                if (answer.Answers.MxRecords().Any())
                {
                    return true;
                }
            }
            catch (DnsResponseException)
            {
            }
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>A UDP port on 127.0.0.1 nobody uses right now.</summary>
    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static uint GetUid()
    {
        try
        {
            var status = File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return status is null ? 1 : uint.Parse(status.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 1;
        }
    }

    private static string Script(string command)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot.Path, "scripts", "dns.sh"));
        start.ArgumentList.Add(command);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : "";
    }
}

/// <summary>A UDP port that is bound but never answers: a DNS server that is down (queries time out).</summary>
public sealed class SilentDnsPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public SilentDnsPort() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public void Dispose() => _socket.Dispose();
}

/// <summary>The service with the address check asking the test DNS server (dnsmasq).</summary>
public class DnsFactory : KitaLinkFactory
{
    private int _dnsPort;

    public override async Task InitializeAsync()
    {
        _dnsPort = (await DnsServer.EndpointAsync()).Port;
        await base.InitializeAsync();
    }

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["EmailCheck:LookupMailServers"] = "true",
        ["EmailCheck:DnsServers:0"] = $"127.0.0.1:{_dnsPort}",
        // The fixture's MX domain stands for "the resolver can see mail domains".
        ["EmailCheck:ReferenceDomain"] = DnsServer.MxDomain,
        // Generous for a busy machine: dnsmasq on loopback answers in well under a millisecond.
        ["EmailCheck:DnsTimeoutMilliseconds"] = "5000",
    };
}

/// <summary>The service with the address check asking a DNS server that never answers, with a short timeout.</summary>
public sealed class DnsDownFactory : KitaLinkFactory
{
    public const int TimeoutMilliseconds = 300;

    private readonly SilentDnsPort _silent = new();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["EmailCheck:LookupMailServers"] = "true",
        ["EmailCheck:DnsServers:0"] = $"127.0.0.1:{_silent.Port}",
        ["EmailCheck:DnsTimeoutMilliseconds"] = TimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    protected override void Dispose(bool disposing)
    {
        _silent.Dispose();
        base.Dispose(disposing);
    }
}
