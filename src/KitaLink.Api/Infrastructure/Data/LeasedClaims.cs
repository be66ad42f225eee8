using Npgsql;
using NpgsqlTypes;

namespace KitaLink.Api.Infrastructure.Data;

/// <summary>
/// The claim step shared by the background senders (mail outbox, webhooks): one statement that takes up to
/// <c>@batch</c> due rows with <c>FOR UPDATE SKIP LOCKED</c>, sets their lease to <c>@lease_end</c> and returns their ids,
/// so that several instances never work on the same row at once.
/// </summary>
internal static class LeasedClaims
{
    /// <summary>Runs <paramref name="claimSql"/> (parameters <c>@now</c>, <c>@lease_end</c>, <c>@batch</c>) and returns the claimed ids.</summary>
    public static async Task<List<Guid>> ClaimAsync(
        NpgsqlDataSource dataSource, string claimSql, DateTimeOffset now, DateTimeOffset leaseEnd, int batch, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(claimSql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("lease_end", NpgsqlDbType.TimestampTz) { TypedValue = leaseEnd });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", NpgsqlDbType.TimestampTz) { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<int>("batch", NpgsqlDbType.Integer) { TypedValue = batch });
        var ids = new List<Guid>(batch);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }
}
