using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>
/// The test classes that start API processes run one after the other (each start costs seconds of CPU;
/// several at once on a busy machine made starts time out).
/// </summary>
[CollectionDefinition(Name)]
public sealed class ApiProcessCollection
{
    public const string Name = "API processes";
}

/// <summary>
/// A real KitaLink API process (the built <c>KitaLink.Api.dll</c> under <c>dotnet</c>) on a free loopback
/// port — for scale-out tests where several instances share one PostgreSQL.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ApiProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }
    public Uri BaseAddress { get; }
    public string Output => string.Join('\n', _output);

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public static async Task<ApiProcess> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = ApiOutputDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("KitaLink.Api.dll");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // As in KitaLinkFactory: the address check's DNS part is off unless a test asks for it (test names have no MX).
        start.Environment["EmailCheck__LookupMailServers"] = "false";
        // As in KitaLinkFactory: operators sign in with a password only.
        start.Environment["Mfa__RequiredForOperators"] = "false";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var api = new ApiProcess(process, port);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { api._output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { api._output.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await api.WaitUntilReadyAsync();
        return api;
    }

    /// <summary>
    /// Runs the API with <paramref name="environment"/> (on top of the Testing defaults above) until it exits by
    /// itself, e.g. refusing to start; returns its exit code and standard output and error.
    /// </summary>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunToExitAsync(
        IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = ApiOutputDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("KitaLink.Api.dll");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // As in KitaLinkFactory: the address check's DNS part is off unless a test asks for it (test names have no MX).
        start.Environment["EmailCheck__LookupMailServers"] = "false";
        // As in KitaLinkFactory: operators sign in with a password only.
        start.Environment["Mfa__RequiredForOperators"] = "false";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"KitaLink.Api did not exit within {timeout}:\n{await output}\n{await error}");
        }
        return (process.ExitCode, await output, await error);
    }

    /// <summary>The API's build output of the same configuration as these tests (Release under scripts/test.sh).</summary>
    public static string ApiOutputDirectory
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                ? "Release"
                : "Debug";
            var directory = Path.Combine(RepositoryRoot.Path, "src", "KitaLink.Api", "bin", configuration, "net10.0");
            return File.Exists(Path.Combine(directory, "KitaLink.Api.dll"))
                ? directory
                : throw new InvalidOperationException($"KitaLink.Api is not built in {directory}.");
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = CreateClient();
        // Generous: on a machine busy with other builds a start (JIT, migrations check, key ring) can take
        // minutes; a process that fails exits, and that is noticed at once below.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"KitaLink.Api exited with {_process.ExitCode}:\n{Output}");
            }
            try
            {
                var response = await client.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"KitaLink.Api did not become ready:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
