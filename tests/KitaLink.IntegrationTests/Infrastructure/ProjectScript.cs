using System.Diagnostics;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>Runs one of the repository's <c>scripts/*.sh</c> (the test daemons' start and stop) and returns what it printed.</summary>
public static class ProjectScript
{
    /// <summary><c>bash scripts/SCRIPT COMMAND ARGUMENTS...</c>; a non-zero exit throws with the script's error output.</summary>
    public static string Run(string script, string command, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot.Path, "scripts", script));
        start.ArgumentList.Add(command);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/{script} {command} failed: {errors.Result}");
        }
        return output;
    }
}
