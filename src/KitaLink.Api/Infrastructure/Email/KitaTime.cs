using System.Globalization;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>
/// Dates as parents read them in mails and letters: in German local time (Europe/Berlin), formatted
/// without relying on ICU culture data (the container may run in invariant globalization mode).
/// Falls back to UTC, and says so, when the host has no time zone database.
/// </summary>
public static class KitaTime
{
    private static readonly string[] s_englishMonths =
    [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ];

    private static readonly TimeZoneInfo? s_berlin = FindBerlin();

    public static TimeZoneInfo Zone => s_berlin ?? TimeZoneInfo.Utc;

    public static DateTimeOffset ToLocal(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);

    /// <summary><c>08.12.2026</c></summary>
    public static string GermanDate(DateTimeOffset instant) =>
        ToLocal(instant).ToString("dd.MM.yyyy", CultureInfo.InvariantCulture);

    /// <summary><c>08.12.2026, 14:35 Uhr</c></summary>
    public static string GermanDateTime(DateTimeOffset instant) =>
        ToLocal(instant).ToString("dd.MM.yyyy, HH:mm", CultureInfo.InvariantCulture) + (s_berlin is null ? " Uhr (UTC)" : " Uhr");

    /// <summary><c>8 December 2026</c></summary>
    public static string EnglishDate(DateTimeOffset instant)
    {
        var local = ToLocal(instant);
        return string.Create(CultureInfo.InvariantCulture, $"{local.Day} {s_englishMonths[local.Month - 1]} {local.Year}");
    }

    /// <summary><c>8 December 2026, 14:35 (German time)</c></summary>
    public static string EnglishDateTime(DateTimeOffset instant) =>
        EnglishDate(instant) + ", " + ToLocal(instant).ToString("HH:mm", CultureInfo.InvariantCulture) + (s_berlin is null ? " UTC" : " (German time)");

    private static TimeZoneInfo? FindBerlin()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }
}
