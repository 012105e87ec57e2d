exports.where = () => __dirname;
