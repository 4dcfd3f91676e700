"""Tools that know nothing of a job: fonts, typesetting, QR codes, images, PDF, workbooks."""
