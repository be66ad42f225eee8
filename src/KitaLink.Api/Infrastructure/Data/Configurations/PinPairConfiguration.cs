using KitaLink.Api.Guardians;
using KitaLink.Api.Pins;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class PinPairConfiguration : IEntityTypeConfiguration<PinPair>
{
    public void Configure(EntityTypeBuilder<PinPair> builder)
    {
        builder.Property(p => p.GuardianEmail).HasMaxLength(254);
        builder.Property(p => p.Pin1Protected).HasMaxLength(1024);
        builder.Property(p => p.Pin1Lookup).HasMaxLength(32);
        builder.Property(p => p.Pin2Hash).HasMaxLength(32);

        // PIN 1 identifies the pair among all pairs ever made.
        builder.HasIndex(p => p.Pin1Lookup).IsUnique();
        builder.HasIndex(p => new { p.GuardianId, p.State });
        builder.HasIndex(p => p.FacilityId);
        // The newest pair of a guardian (help desk view, onboarding overview) is an index probe.
        builder.HasIndex(p => new { p.GuardianId, p.CreatedAt, p.Id })
            .HasDatabaseName("ix_pin_pairs_guardian_newest")
            .IsDescending(false, true, true);

        builder.Property(p => p.Version).IsRowVersion();
        builder.HasOne<Guardian>().WithMany().HasForeignKey(p => p.GuardianId).OnDelete(DeleteBehavior.Cascade);
    }
}
