using KitaLink.Api.Facilities;
using KitaLink.Api.Guardians;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class GuardianConfiguration : IEntityTypeConfiguration<Guardian>
{
    public void Configure(EntityTypeBuilder<Guardian> builder)
    {
        builder.Property(g => g.Version).IsRowVersion();
        builder.Property(g => g.Name).HasMaxLength(200);
        builder.Property(g => g.Relationship).HasMaxLength(100);
        builder.Property(g => g.Email).HasMaxLength(254);
        builder.Property(g => g.PreferredLanguage).HasMaxLength(8);
        builder.Property(g => g.EmailCheckReasons).HasMaxLength(100);
        builder.Property(g => g.EmailCheckSuggestion).HasMaxLength(254);
        builder.HasIndex(g => new { g.FacilityId, g.ChildId });
        builder.HasOne<Facility>().WithMany().HasForeignKey(g => g.FacilityId).OnDelete(DeleteBehavior.Restrict);
    }
}
