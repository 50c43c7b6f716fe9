"""The chair's dossier (hồ sơ): one PDF for the chair's folder, built in the background."""
