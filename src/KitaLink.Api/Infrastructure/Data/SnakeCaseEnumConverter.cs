using System.Text.Json;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace KitaLink.Api.Infrastructure.Data;

/// <summary>Stores an enum as its snake_case name (<c>RevokedByStaff</c> → <c>revoked_by_staff</c>).</summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    value => Name(value),
    value => Parse(value))
    where TEnum : struct, Enum
{
    private static readonly Dictionary<string, TEnum> s_byName = Enum.GetValues<TEnum>()
        .ToDictionary(Name, v => v);

    /// <summary>The stored name of an enum value (for raw Npgsql writes).</summary>
    public static string Name(TEnum value) => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>The enum value of a stored name (for raw Npgsql reads).</summary>
    public static TEnum Parse(string value) =>
        s_byName.TryGetValue(value, out var parsed)
            ? parsed
            : throw new InvalidOperationException($"'{value}' is not a stored {typeof(TEnum).Name}.");
}
