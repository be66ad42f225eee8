using System.Buffers.Text;
using System.Text.Json;
using FluentValidation;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// The one paging scheme of every list: <c>limit</c> (1-200, default 50) and an opaque <c>cursor</c>; the
/// answer is <c>{ items, nextCursor }</c> and <c>nextCursor</c> is null on the last page. A cursor is the
/// keyset position after the last item (the list's sort key), so pages never skip or repeat an item when
/// rows are added or removed in between, and a page costs the same however deep it is. Clients pass it
/// back unchanged; its content is not part of the contract.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public const int MaxCursorLength = 512;
    public const string CursorPattern = "^[A-Za-z0-9_-]+$";

    public static int LimitOrDefault(int? limit) => limit ?? DefaultLimit;

    /// <summary>The cursor of a position in the list named <paramref name="list"/> (a cursor of one list is refused by another).</summary>
    public static string Encode<TPosition>(string list, TPosition position) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Envelope<TPosition>(list, position)));

    public static bool TryDecode<TPosition>(string list, string? cursor, out TPosition? position)
    {
        position = default;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > MaxCursorLength)
        {
            return false;
        }
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope<TPosition>>(Base64Url.DecodeFromChars(cursor));
            if (envelope is null || envelope.L != list || envelope.P is null)
            {
                return false;
            }
            position = envelope.P;
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>The limit of a page, documented as minimum/maximum.</summary>
    public static IRuleBuilderOptions<T, int?> PageLimit<T>(this IRuleBuilder<T, int?> rule) =>
        rule.InclusiveBetween(1, MaxLimit);

    /// <summary>A cursor this list issued (shape and content), documented as pattern and length.</summary>
    public static IRuleBuilderOptions<T, string?> PageCursor<T, TPosition>(this IRuleBuilder<T, string?> rule, string list) =>
        rule.MustDocumented(c => c is null || TryDecode<TPosition>(list, c, out _),
                new SchemaFacets { MinLength = 1, MaxLength = MaxCursorLength, Pattern = CursorPattern })
            .WithMessage("Pass the nextCursor of the previous page of this list unchanged.");

    /// <summary>Takes one more item than the page holds to learn whether another page follows.</summary>
    public static (List<TItem> Items, TItem? Last) Trim<TItem>(List<TItem> fetched, int limit)
    {
        if (fetched.Count <= limit)
        {
            return (fetched, default);
        }
        fetched.RemoveRange(limit, fetched.Count - limit);
        return (fetched, fetched[^1]);
    }

    private sealed record Envelope<TPosition>(string L, TPosition P);
}
