using System.Globalization;

namespace KitaLink.Bench;

public sealed class CommandLineException(string message) : Exception(message);

/// <summary><c>--name value</c> pairs of one command.</summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string> _values;

    private CommandLine(Dictionary<string, string> values) => _values = values;

    public static CommandLine Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var name = e.Current;
            if (!name.StartsWith("--", StringComparison.Ordinal) || !e.MoveNext())
            {
                throw new CommandLineException($"Expected '--name value', got '{name}'.");
            }
            values[name[2..]] = e.Current;
        }
        return new CommandLine(values);
    }

    public string Required(string name) =>
        _values.TryGetValue(name, out var value) ? value : throw new CommandLineException($"--{name} is required.");

    public string? Optional(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public DateTimeOffset? Time(string name) =>
        _values.TryGetValue(name, out var value)
            ? DateTimeOffset.Parse(value, CultureInfo.InvariantCulture).ToUniversalTime()
            : null;
}
