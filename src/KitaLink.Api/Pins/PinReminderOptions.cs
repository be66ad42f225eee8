using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Pins;

/// <summary><c>Reminders__*</c>: reminder mails to guardians whose PIN pair is still pending.</summary>
public sealed class PinReminderOptions
{
    public const string Section = "Reminders";

    /// <summary>Run the reminder job in this instance (any number of instances may run it).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Days after the pair was created on which a reminder goes out, comma-separated and ascending; empty: no reminders.</summary>
    public string Days { get; set; } = "3,10";

    /// <summary>How often each instance looks for due reminders.</summary>
    [Range(1, 86_400)]
    public int PollIntervalSeconds { get; set; } = 300;

    /// <summary>Reminders queued per round.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 200;

    public IReadOnlyList<int> DayList => ParseDays(Days) ?? [];

    internal static List<int>? ParseDays(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return [];
        }
        var days = new List<int>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var day)
                || day is < 1 or > 90 || (days.Count > 0 && day <= days[^1]))
            {
                return null;
            }
            days.Add(day);
        }
        return days;
    }
}

internal sealed class PinReminderOptionsValidator : IValidateOptions<PinReminderOptions>
{
    public ValidateOptionsResult Validate(string? name, PinReminderOptions options) =>
        PinReminderOptions.ParseDays(options.Days) is null
            ? ValidateOptionsResult.Fail($"Reminders:Days '{options.Days}' must be ascending whole days between 1 and 90, comma-separated (e.g. '3,10').")
            : ValidateOptionsResult.Success;
}
