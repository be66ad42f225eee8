using KitaLink.Api.Accounts;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Links;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KitaLink.Api.Pins;

/// <summary>
/// The unique indexes that back the rules of the PIN process where a row lock cannot (two pairs, one email;
/// two PIN 1 values drawn alike), and the error code each violation stands for. Index names are read from
/// the EF model, so a renamed index cannot silently stop matching.
/// </summary>
public static class UniqueIndexes
{
    /// <summary>Not an API code: a new PIN 1 collided with an existing one, and issuance draws again.</summary>
    public const string Pin1Taken = "pin1_taken";

    /// <summary>The code the violated unique index stands for; null for any other failure.</summary>
    public static string? CodeOf(KitaLinkDbContext db, DbUpdateException exception)
    {
        if (exception.InnerException is not PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: { } index })
        {
            return null;
        }
        return index == Name<ParentAccount>(db, nameof(ParentAccount.NormalizedEmail)) ? ErrorCodes.AccountExists
            : index == Name<ChildLink>(db, nameof(ChildLink.AccountId), nameof(ChildLink.ChildId)) ? ErrorCodes.ChildAlreadyLinked
            : index == Name<ChildLink>(db, nameof(ChildLink.PinPairId)) ? ErrorCodes.PinsAlreadyUsed
            : index == Name<PinPair>(db, nameof(PinPair.Pin1Lookup)) ? Pin1Taken
            : null;
    }

    private static string? Name<TEntity>(KitaLinkDbContext db, params string[] properties) =>
        db.Model.FindEntityType(typeof(TEntity))!.GetIndexes()
            .Single(i => i.IsUnique && i.Properties.Select(p => p.Name).SequenceEqual(properties))
            .GetDatabaseName();
}
