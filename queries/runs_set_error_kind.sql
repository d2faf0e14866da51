UPDATE results SET error_kind = $kind WHERE error = $error AND error_kind IS NULL;
