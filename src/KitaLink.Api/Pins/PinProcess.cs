namespace KitaLink.Api.Pins;

/// <summary>
/// The PIN process in prose: <c>Pins/PinProcess.md</c>, embedded in the assembly. The one text that the
/// OpenAPI document's introduction includes and that README.md and docs/integrators.md point to.
/// </summary>
public static class PinProcess
{
    public const string ResourceName = "KitaLink.Api.Pins.PinProcess.md";

    /// <summary>The file from its first second-level heading on (its title and comment are for readers of the file), after a blank line.</summary>
    public static string Text { get; } = Load();

    private static string Load()
    {
        using var stream = typeof(PinProcess).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        var markdown = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        var sections = markdown[markdown.IndexOf("\n## ", StringComparison.Ordinal)..].Trim('\n');
        return "\n" + sections + "\n";
    }
}
