using KitaLink.Api.Pins;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class WrongEmailAttemptConfiguration : IEntityTypeConfiguration<WrongEmailAttempt>
{
    public void Configure(EntityTypeBuilder<WrongEmailAttempt> builder)
    {
        // A masked address is at most the domain (253) plus the masked local part.
        builder.Property(a => a.MaskedEmail).HasMaxLength(260);
        builder.HasIndex(a => new { a.PinPairId, a.AttemptedAt });
        // Deleted with the pair and its other secrets.
        builder.HasOne<PinPair>().WithMany().HasForeignKey(a => a.PinPairId).OnDelete(DeleteBehavior.Cascade);
    }
}
