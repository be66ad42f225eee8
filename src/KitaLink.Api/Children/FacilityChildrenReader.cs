using KitaLink.Api.Infrastructure.Data;
using Npgsql;

namespace KitaLink.Api.Children;

/// <summary>
/// <c>GET /facility/children</c>, the help desk's most frequent read, as one hand-written, automatically prepared
/// statement per combination of filters on the shared <see cref="NpgsqlDataSource"/>: the active staff member with
/// the token's subject and version, left-joined to one page of the facility's children (guardian counts included).
/// No row: the token was revoked or the staff member deactivated; one row without a child: an empty page. The EF Core
/// query it replaced (built, parameterised and looked up anew for every request, materialised through EF Core's
/// shaper) used about twice the CPU per request and reached 0.55–0.79× of the raw baseline's throughput; this
/// statement 0.80–0.97× (docs/performance-history.md).
/// </summary>
public sealed class FacilityChildrenReader(NpgsqlDataSource dataSource)
{
    // $1 facility, $2 staff member, $3 token version, $4 rows to read; the filters' parameters follow in this order.
    [Flags]
    private enum Filters
    {
        None = 0,
        Status = 1,
        Group = 2,
        Search = 4,
        After = 8,
    }

    private static readonly string[] s_statements = Enumerable.Range(0, 16).Select(f => Statement((Filters)f)).ToArray();

    /// <summary>
    /// One page of the facility's children in the list's order (last name, first name, id), <paramref name="limit"/>
    /// + 1 rows read so the caller learns whether another page follows; null when no active staff member has this id
    /// and token version.
    /// </summary>
    public async Task<List<ChildSummary>?> ListAsync(
        Guid facilityId, Guid staffId, int tokenVersion, ChildListFilter filter, int limit, CancellationToken cancellationToken)
    {
        var filters = Filters.None;
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = facilityId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = staffId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = tokenVersion });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
        if (filter.Status is { } status)
        {
            filters |= Filters.Status;
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SnakeCaseEnumConverter<ChildStatus>.Name(status) });
        }
        if (filter.Group is { } group)
        {
            filters |= Filters.Group;
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = group });
        }
        if (filter.Search is { } search)
        {
            filters |= Filters.Search;
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "%" + EscapeLike(search) + "%" });
        }
        if (filter.After is { } after)
        {
            filters |= Filters.After;
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.LastName });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after.FirstName });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = after.Id });
        }
        command.CommandText = s_statements[(int)filters];

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        List<ChildSummary>? children = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            children ??= new List<ChildSummary>(limit + 1);
            if (reader.IsDBNull(0))
            {
                continue;
            }
            children.Add(new ChildSummary(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetFieldValue<DateOnly>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                SnakeCaseEnumConverter<ChildStatus>.Parse(reader.GetString(5)),
                reader.GetInt32(6),
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetFieldValue<DateTimeOffset>(8)));
        }
        return children;
    }

    private static string Statement(Filters filters)
    {
        var next = 5;
        var where = new List<string> { "ch.facility_id = $1" };
        if (filters.HasFlag(Filters.Status))
        {
            where.Add($"ch.status = ${next++}");
        }
        if (filters.HasFlag(Filters.Group))
        {
            where.Add($"ch.\"group\" = ${next++}");
        }
        if (filters.HasFlag(Filters.Search))
        {
            // Part of the first or last name, or of both with a space between, case-insensitive; the pattern's own
            // LIKE wildcards are escaped with a backslash (EscapeLike).
            var p = next++;
            where.Add($"(ch.first_name ILIKE ${p} ESCAPE '\\' OR ch.last_name ILIKE ${p} ESCAPE '\\' " +
                $"OR (ch.first_name || ' ' || ch.last_name) ILIKE ${p} ESCAPE '\\')");
        }
        if (filters.HasFlag(Filters.After))
        {
            // Keyset: strictly after the last child of the previous page, in the list's own order.
            where.Add($"(ch.last_name, ch.first_name, ch.id) > (${next}, ${next + 1}, ${next + 2})");
        }
        return $"""
            SELECT c.id, c.first_name, c.last_name, c.date_of_birth, c."group", c.status,
                   (SELECT count(*)::int FROM guardians AS g WHERE g.child_id = c.id), c.created_at, c.updated_at
            FROM staff_members AS s
            LEFT JOIN LATERAL (
                SELECT * FROM children AS ch
                WHERE {string.Join(" AND ", where)}
                ORDER BY ch.last_name, ch.first_name, ch.id
                LIMIT $4) AS c ON TRUE
            WHERE s.id = $2 AND s.token_version = $3 AND s.deactivated_at IS NULL
            ORDER BY c.last_name, c.first_name, c.id
            """;
    }

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}

/// <summary>The child list's filters, trimmed and decoded (null: not filtered).</summary>
public sealed record ChildListFilter(ChildStatus? Status, string? Group, string? Search, ChildCursor? After);
