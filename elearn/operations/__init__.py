"""Operations without views: retention, backup and restore, and the deployment check (doctor)."""
