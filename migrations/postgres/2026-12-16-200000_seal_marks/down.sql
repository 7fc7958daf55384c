DROP TABLE seal_marks;
